// Reading the frames of a GIF, APNG or video (MP4/MOV, WebM/MKV, AVI) with
// FFmpeg's libraries, and of an animated WebP with libwebp's (FFmpeg 5.1
// cannot: webp_animation.h), in presentation order, each with
// its exact time: variable frame rates and GIF frame delays are respected
// (times come from the stream's timestamps, not from a nominal rate).
// A phone video's display matrix is applied (frames come out upright).
// Pixels are converted only for the frames asked for, so skipping a frame
// costs its decoding alone. Memory holds one frame at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "media/resample.h"
#include "tagforge/error.h"

namespace tagforge {

struct VideoInfo {
  int width = 0, height = 0;  // after rotation
  double duration = -1;       // seconds; -1 unknown
  double frame_rate = 0;      // average frames per second; 0 unknown
  int64_t frame_count = 0;    // as the container says; 0 unknown
  int rotation = 0;           // degrees clockwise applied to the stored frames: 0, 90, 180, 270
  bool alpha = false;         // frames carry transparency (GIF, APNG, WebP)
  std::string codec;          // "gif", "h264", …
};

struct VideoFrame {
  int64_t index = 0;    // decoded frames before this one
  double time = 0;      // seconds from the stream's start
  double duration = 0;  // seconds it is shown; 0 unknown
  Image8 image;         // RGB, or RGBA when info().alpha; empty unless pixels were asked for
};

struct VideoReaderOptions {
  int threads = 0;                          // decoder threads; 0: FFmpeg picks
  int64_t max_pixels = 8192LL * 8192;       // a larger frame is an error, not a huge allocation
};

// An interface: the reader lives in the codec module (media/codec_module.h),
// loaded on the first open().
class VideoReader {
 public:
  // Errors name the file: not readable, no video stream, no decoder, too large.
  static Result<std::unique_ptr<VideoReader>> open(const std::filesystem::path& file,
                                                   const VideoReaderOptions& options = {});
  virtual ~VideoReader() = default;
  VideoReader(const VideoReader&) = delete;
  VideoReader& operator=(const VideoReader&) = delete;

  virtual const VideoInfo& info() const = 0;

  // The next frame, or nullopt after the last. With want_pixels false the
  // frame is decoded (it must be, to reach the next) but not converted.
  // A damaged stream ends with an error naming the file and the frame.
  virtual Result<std::optional<VideoFrame>> next(bool want_pixels = true) = 0;

  // The frame next() returned last, converted now: at full size, or scaled
  // (area average) so its longer side is at most max_side. Both rotated like
  // the frame. An error before the first frame or after the last.
  virtual Result<Image8> pixels() = 0;
  virtual Result<Image8> thumbnail(int max_side) = 0;
  // The same as luma alone (one channel), which costs less to scale; a clip
  // with transparency gets thumbnail()'s colours, alpha and all.
  virtual Result<Image8> grey_thumbnail(int max_side) = 0;

  // Holds on to the frame next() returned last (a reference to the decoded
  // frame, not a conversion), so held_pixels() can convert it at full size
  // after later frames were decoded: the frame gate's sharpest frame of a
  // window (frame_quality.h) is known only when the window closes. One frame
  // is held at a time. An error before the first frame or after the last.
  virtual Status hold() = 0;
  virtual Result<Image8> held_pixels() = 0;

 protected:
  VideoReader() = default;
};

}  // namespace tagforge
