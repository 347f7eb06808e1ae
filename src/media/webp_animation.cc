#include "media/webp_animation.h"

#include <fmt/format.h>
#include <webp/demux.h>


#include "core/fs_ops.h"

namespace tagforge {

namespace fs = std::filesystem;

namespace {

uint32_t le24(const unsigned char* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16; }

}  // namespace

struct WebpAnimation::Decoder {
  WebPAnimDecoder* dec = nullptr;
  ~Decoder() { WebPAnimDecoderDelete(dec); }
};

bool is_animated_webp(std::string_view head) {
  constexpr uint8_t kAnimationFlag = 0x02;
  return head.size() >= 21 && head.substr(0, 4) == "RIFF" && head.substr(8, 4) == "WEBP" &&
         head.substr(12, 4) == "VP8X" && (uint8_t(head[20]) & kAnimationFlag);
}

WebpAnimation::~WebpAnimation() = default;

Result<std::unique_ptr<WebpAnimation>> WebpAnimation::open(const fs::path& file, int64_t max_pixels) {
  std::unique_ptr<WebpAnimation> a(new WebpAnimation());
  a->file_ = file;
  auto bytes = read_whole_file(file, "animated WebP");
  if (!bytes) return bytes.error();
  a->bytes_ = std::move(*bytes);
  const std::string& b = a->bytes_;
  if (b.size() < 30 || !is_animated_webp(b)) {
    return Error{ErrorCode::kInvalidInput, "not an animated WebP (no VP8X header with the animation flag)", file};
  }
  // The canvas the decoder would allocate, from the VP8X header (24-bit sizes minus one).
  const auto* p = reinterpret_cast<const unsigned char*>(b.data());
  const int64_t w = int64_t(le24(p + 24)) + 1, h = int64_t(le24(p + 27)) + 1;
  if (w * h > max_pixels) {
    return Error{ErrorCode::kInvalidInput, fmt::format("frames are {}x{}, larger than {} pixels", w, h, max_pixels),
                 file};
  }
  WebPAnimDecoderOptions options;
  if (!WebPAnimDecoderOptionsInit(&options)) return Error{ErrorCode::kInternal, "libwebp version mismatch", file};
  options.color_mode = MODE_RGBA;
  options.use_threads = 0;
  const WebPData data{reinterpret_cast<const uint8_t*>(b.data()), b.size()};
  a->decoder_ = std::make_unique<Decoder>();
  a->decoder_->dec = WebPAnimDecoderNew(&data, &options);
  if (!a->decoder_->dec) return Error{ErrorCode::kInvalidInput, "cannot read the animated WebP: damaged", file};
  WebPAnimInfo anim;
  if (!WebPAnimDecoderGetInfo(a->decoder_->dec, &anim)) {
    return Error{ErrorCode::kInvalidInput, "cannot read the animated WebP's header", file};
  }
  if (anim.frame_count == 0) return Error{ErrorCode::kInvalidInput, "the animated WebP has no frames", file};
  VideoInfo& info = a->info_;
  info.codec = "webp";
  info.width = int(anim.canvas_width);
  info.height = int(anim.canvas_height);
  info.alpha = true;
  info.frame_count = anim.frame_count;
  // The duration is the sum of the frames' delays (the demuxer knows each).
  const WebPDemuxer* demux = WebPAnimDecoderGetDemuxer(a->decoder_->dec);
  WebPIterator it;
  int total_ms = 0;
  if (WebPDemuxGetFrame(demux, 1, &it)) {
    do total_ms += it.duration;
    while (WebPDemuxNextFrame(&it));
    WebPDemuxReleaseIterator(&it);
  }
  info.duration = total_ms / 1000.0;
  if (info.duration > 0) info.frame_rate = anim.frame_count / info.duration;
  return a;
}

Image8 WebpAnimation::canvas() const {
  if (!current_) return {};
  const size_t size = size_t(info_.width) * info_.height * 4;
  return Image8{info_.width, info_.height, 4, std::vector<uint8_t>(current_, current_ + size)};
}

Result<std::optional<VideoFrame>> WebpAnimation::next() {
  current_ = nullptr;
  if (!WebPAnimDecoderHasMoreFrames(decoder_->dec)) return std::optional<VideoFrame>();
  uint8_t* buf = nullptr;
  int end_ms = 0;
  if (!WebPAnimDecoderGetNext(decoder_->dec, &buf, &end_ms)) {
    return Error{ErrorCode::kInvalidInput, fmt::format("cannot decode frame {}: damaged", index_), file_};
  }
  current_ = buf;
  VideoFrame f;
  f.index = index_++;
  f.time = end_ms_ / 1000.0;
  f.duration = (end_ms - end_ms_) / 1000.0;
  end_ms_ = end_ms;
  return std::optional<VideoFrame>(std::move(f));
}

}  // namespace tagforge
