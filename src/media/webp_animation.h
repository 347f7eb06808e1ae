// Animated WebP, which FFmpeg 5.1 cannot decode (its webp decoder reads
// still images only): libwebp's own animation decoder (libwebpdemux), behind
// VideoReader. Each frame is the whole canvas, composed with the frame's
// blending and disposal, RGBA; its time is the sum of the delays before it.
// The file is held in memory while it is read; the canvas size is checked
// against the pixel limit before the decoder allocates it.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

#include "media/video_reader.h"

namespace tagforge {

// Whether these first bytes (at least 21) begin an animated WebP: RIFF, WEBP, a VP8X chunk
// with the animation flag.
bool is_animated_webp(std::string_view head);

class WebpAnimation {
 public:
  static Result<std::unique_ptr<WebpAnimation>> open(const std::filesystem::path& file, int64_t max_pixels);
  ~WebpAnimation();
  WebpAnimation(const WebpAnimation&) = delete;
  WebpAnimation& operator=(const WebpAnimation&) = delete;

  const VideoInfo& info() const { return info_; }
  // The next frame's index, time and duration (no pixels), or nullopt after the last.
  Result<std::optional<VideoFrame>> next();
  // The current frame's canvas, RGBA (copied now); empty before the first frame.
  Image8 canvas() const;

 private:
  struct Decoder;
  WebpAnimation() = default;
  std::filesystem::path file_;
  std::string bytes_;
  std::unique_ptr<Decoder> decoder_;
  VideoInfo info_;
  const uint8_t* current_ = nullptr;  // the decoder's canvas, valid until the next frame
  int64_t index_ = 0;
  int end_ms_ = 0;  // where the last frame ended
};

}  // namespace tagforge
