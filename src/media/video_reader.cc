#include "media/video_reader.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
}

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <mutex>

#include "media/webp_animation.h"

namespace tagforge {

namespace fs = std::filesystem;

namespace {

std::string av_error(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

// Rotates an image clockwise by 90, 180 or 270 degrees.
Image8 rotate(const Image8& in, int degrees) {
  if (degrees == 0) return in;
  const int c = in.channels;
  const bool swap = degrees == 90 || degrees == 270;
  Image8 out{swap ? in.height : in.width, swap ? in.width : in.height, c,
             std::vector<uint8_t>(in.pixels.size())};
  for (int y = 0; y < in.height; ++y) {
    for (int x = 0; x < in.width; ++x) {
      int ox = x, oy = y;
      if (degrees == 90) ox = in.height - 1 - y, oy = x;
      else if (degrees == 180) ox = in.width - 1 - x, oy = in.height - 1 - y;
      else ox = y, oy = in.width - 1 - x;  // 270
      std::copy_n(&in.pixels[(size_t(y) * in.width + x) * c], c, &out.pixels[(size_t(oy) * out.width + ox) * c]);
    }
  }
  return out;
}

bool has_alpha(AVPixelFormat f) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(f);
  return d && (d->flags & AV_PIX_FMT_FLAG_ALPHA);
}

struct Impl {
  std::unique_ptr<WebpAnimation> webp;  // an animated WebP instead of FFmpeg (see webp_animation.h)
  fs::path file;
  VideoReaderOptions options;
  VideoInfo info;
  AVFormatContext* format = nullptr;
  AVCodecContext* codec = nullptr;
  AVPacket* packet = nullptr;
  AVFrame* frame = nullptr;
  SwsContext* sws = nullptr;
  int stream = -1;
  int64_t start_pts = AV_NOPTS_VALUE;
  double time_base = 0;
  int64_t decoded = 0;
  bool flushing = false, finished = false;
  int stored_rotation = 0;  // clockwise degrees to apply

  ~Impl() {
    sws_freeContext(sws);
    for (auto& [size, context] : thumb_sws) sws_freeContext(context);
    for (auto& [size, context] : grey_sws) sws_freeContext(context);
    av_frame_free(&frame);
    av_frame_free(&held);
    av_packet_free(&packet);
    avcodec_free_context(&codec);
    avformat_close_input(&format);
  }

  Error error(std::string what) const { return Error{ErrorCode::kInvalidInput, std::move(what), file}; }

  VideoFrame describe() {
    VideoFrame f;
    f.index = decoded++;
    const int64_t pts = frame->best_effort_timestamp;
    if (pts != AV_NOPTS_VALUE) {
      if (start_pts == AV_NOPTS_VALUE || pts < start_pts) start_pts = pts;  // no start time said: the first frame
      f.time = double(pts - start_pts) * time_base;
    }
    f.duration = frame->pkt_duration > 0 ? double(frame->pkt_duration) * time_base : 0;
    return f;
  }

  // The current frame (or `source`) scaled to out_w x out_h (before rotation), rotated.
  // `grey`: one channel of luma, whatever the frame's alpha.
  Result<Image8> convert(int out_w, int out_h, SwsContext*& context, int flags, const AVFrame* source = nullptr,
                         bool grey = false) {
    if (!has_frame && !source) return error("no current frame");
    if (!source) source = frame;
    const int w = source->width, h = source->height;
    if (int64_t(w) * h > options.max_pixels) {
      return error(fmt::format("frame {} is {}x{}, larger than {} pixels", decoded - 1, w, h, options.max_pixels));
    }
    const AVPixelFormat dst = grey ? AV_PIX_FMT_GRAY8 : info.alpha ? AV_PIX_FMT_RGBA : AV_PIX_FMT_RGB24;
    context = sws_getCachedContext(context, w, h, AVPixelFormat(source->format), out_w, out_h, dst, flags, nullptr,
                                   nullptr, nullptr);
    if (!context) {
      const char* from = av_get_pix_fmt_name(AVPixelFormat(source->format));
      return error(fmt::format("cannot convert frame {} from {}", decoded - 1, from ? from : "an unknown pixel format"));
    }
    const int ch = grey ? 1 : info.alpha ? 4 : 3;
    Image8 im{out_w, out_h, ch, std::vector<uint8_t>(size_t(out_w) * out_h * ch)};
    uint8_t* planes[4] = {im.pixels.data(), nullptr, nullptr, nullptr};
    int strides[4] = {out_w * ch, 0, 0, 0};
    sws_scale(context, source->data, source->linesize, 0, h, planes, strides);
    return rotate(im, stored_rotation);
  }

  // The size of a thumbnail of a w x h frame whose longer side is at most max_side (area average).
  static std::pair<int, int> thumbnail_size(int w, int h, int max_side) {
    const double scale = std::min(1.0, double(std::max(1, max_side)) / std::max(w, h));
    return {std::max(1, int(std::lround(w * scale))), std::max(1, int(std::lround(h * scale)))};
  }

  bool has_frame = false;  // `frame` holds the frame next() returned last
  // One context per thumbnail size: extraction asks for two sizes a frame
  // (the selection's and the frame gate's), and a context rebuilt at every
  // call costs more than the scaling.
  std::map<std::pair<int, int>, SwsContext*> thumb_sws, grey_sws;
  AVFrame* held = nullptr;             // hold(): a reference to a decoded frame
  std::optional<Image8> held_canvas;   // hold() of an animated WebP's frame: a copy
};

class FfmpegVideoReader final : public VideoReader {
 public:
  explicit FfmpegVideoReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
  const VideoInfo& info() const override { return impl_->info; }
  Result<std::optional<VideoFrame>> next(bool want_pixels) override;
  Result<Image8> pixels() override;
  Result<Image8> thumbnail(int max_side) override;
  Result<Image8> grey_thumbnail(int max_side) override;
  Status hold() override;
  Result<Image8> held_pixels() override;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace

namespace codecs {

Result<std::unique_ptr<VideoReader>> open_video(const fs::path& file, const VideoReaderOptions& options) {
  // FFmpeg's own log lines would interleave with ours; its errors reach the user as ours.
  static std::once_flag quiet;
  std::call_once(quiet, [] { av_log_set_level(AV_LOG_QUIET); });
  auto impl = std::make_unique<Impl>();
  impl->file = file;
  impl->options = options;
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return Error{ErrorCode::kNotFound, "no such file", file};
  char head[32] = {};
  std::ifstream(file, std::ios::binary).read(head, sizeof head);
  if (is_animated_webp(std::string_view(head, sizeof head))) {
    auto webp = WebpAnimation::open(file, options.max_pixels);
    if (!webp) return webp.error();
    impl->info = (*webp)->info();
    impl->webp = std::move(*webp);
    return std::unique_ptr<VideoReader>(new FfmpegVideoReader(std::move(impl)));
  }
  if (int err = avformat_open_input(&impl->format, file.c_str(), nullptr, nullptr); err < 0) {
    return impl->error("cannot open: " + av_error(err));
  }
  if (int err = avformat_find_stream_info(impl->format, nullptr); err < 0) {
    return impl->error("cannot read the streams: " + av_error(err));
  }
  const AVCodec* decoder = nullptr;
  impl->stream = av_find_best_stream(impl->format, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
  if (impl->stream < 0 || !decoder) return impl->error("no video stream");
  AVStream* st = impl->format->streams[impl->stream];
  impl->codec = avcodec_alloc_context3(decoder);
  if (!impl->codec || avcodec_parameters_to_context(impl->codec, st->codecpar) < 0) {
    return impl->error("cannot set up the decoder");
  }
  impl->codec->thread_count = options.threads;
  if (int err = avcodec_open2(impl->codec, decoder, nullptr); err < 0) {
    return impl->error(fmt::format("cannot open the {} decoder: {}", decoder->name, av_error(err)));
  }
  if (int64_t(st->codecpar->width) * st->codecpar->height > options.max_pixels) {
    return impl->error(fmt::format("frames are {}x{}, larger than {} pixels", st->codecpar->width,
                                   st->codecpar->height, options.max_pixels));
  }
  impl->packet = av_packet_alloc();
  impl->frame = av_frame_alloc();
  impl->time_base = av_q2d(st->time_base);
  impl->start_pts = st->start_time;

  VideoInfo& info = impl->info;
  info.codec = decoder->name;
  if (const uint8_t* m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, nullptr)) {
    // av_display_rotation_get gives the counter-clockwise angle that corrects the frame.
    const double ccw = av_display_rotation_get(reinterpret_cast<const int32_t*>(m));
    if (!std::isnan(ccw)) {
      int cw = int(std::lround(-ccw)) % 360;
      if (cw < 0) cw += 360;
      impl->stored_rotation = (cw + 45) / 90 * 90 % 360;
    }
  }
  info.rotation = impl->stored_rotation;
  const bool swap = info.rotation == 90 || info.rotation == 270;
  info.width = swap ? st->codecpar->height : st->codecpar->width;
  info.height = swap ? st->codecpar->width : st->codecpar->height;
  info.alpha = has_alpha(AVPixelFormat(st->codecpar->format)) || st->codecpar->codec_id == AV_CODEC_ID_GIF;
  if (st->duration != AV_NOPTS_VALUE) info.duration = double(st->duration) * impl->time_base;
  else if (impl->format->duration != AV_NOPTS_VALUE) info.duration = double(impl->format->duration) / AV_TIME_BASE;
  if (st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0) info.frame_rate = av_q2d(st->avg_frame_rate);
  info.frame_count = st->nb_frames;
  return std::unique_ptr<VideoReader>(new FfmpegVideoReader(std::move(impl)));
}

}  // namespace codecs

Result<std::optional<VideoFrame>> FfmpegVideoReader::next(bool want_pixels) {
  Impl& d = *impl_;
  if (d.webp) {
    auto f = d.webp->next();
    if (!f) return f.error();
    d.has_frame = f->has_value();
    if (d.has_frame && want_pixels) (*f)->image = d.webp->canvas();
    return f;
  }
  if (d.has_frame) {
    av_frame_unref(d.frame);
    d.has_frame = false;
  }
  while (!d.finished) {
    const int got = avcodec_receive_frame(d.codec, d.frame);
    if (got == 0) {
      d.has_frame = true;
      VideoFrame f = d.describe();
      if (want_pixels) {
        auto im = pixels();
        if (!im) return im.error();
        f.image = std::move(*im);
      }
      return std::optional<VideoFrame>(std::move(f));
    }
    if (got == AVERROR_EOF) {
      d.finished = true;
      break;
    }
    if (got != AVERROR(EAGAIN)) return d.error(fmt::format("cannot decode frame {}: {}", d.decoded, av_error(got)));
    if (d.flushing) {  // drained: nothing more will come
      d.finished = true;
      break;
    }
    // The decoder wants input.
    const int read = av_read_frame(d.format, d.packet);
    if (read == AVERROR_EOF || (read < 0 && d.decoded > 0 && read != AVERROR(EAGAIN))) {
      d.flushing = true;
      avcodec_send_packet(d.codec, nullptr);
      continue;
    }
    if (read < 0) return d.error("cannot read: " + av_error(read));
    if (d.packet->stream_index == d.stream) {
      const int sent = avcodec_send_packet(d.codec, d.packet);
      if (sent < 0 && sent != AVERROR(EAGAIN) && sent != AVERROR_INVALIDDATA) {
        av_packet_unref(d.packet);
        return d.error(fmt::format("cannot decode after frame {}: {}", d.decoded, av_error(sent)));
      }
    }
    av_packet_unref(d.packet);
  }
  return std::optional<VideoFrame>();
}

Result<Image8> FfmpegVideoReader::pixels() {
  Impl& d = *impl_;
  if (!d.has_frame) return d.error("no current frame");
  if (d.webp) return d.webp->canvas();
  return d.convert(d.frame->width, d.frame->height, d.sws, SWS_BICUBIC);
}

Result<Image8> FfmpegVideoReader::thumbnail(int max_side) {
  Impl& d = *impl_;
  if (!d.has_frame) return d.error("no current frame");
  const int w = d.webp ? d.info.width : d.frame->width, h = d.webp ? d.info.height : d.frame->height;
  const auto [out_w, out_h] = Impl::thumbnail_size(w, h, max_side);
  if (d.webp) {
    const Image8 full = d.webp->canvas();
    Image8 small{out_w, out_h, 4, {}};
    small.pixels.resize(size_t(small.width) * small.height * 4);
    cv::resize(cv::Mat(h, w, CV_8UC4, const_cast<uint8_t*>(full.pixels.data())),
               cv::Mat(small.height, small.width, CV_8UC4, small.pixels.data()), cv::Size(small.width, small.height),
               0, 0, cv::INTER_AREA);
    return small;
  }
  return d.convert(out_w, out_h, d.thumb_sws[{out_w, out_h}], SWS_AREA);
}

Result<Image8> FfmpegVideoReader::grey_thumbnail(int max_side) {
  Impl& d = *impl_;
  // Transparency is composited over white, as the models see it, from the colour thumbnail.
  if (d.webp || d.info.alpha) return thumbnail(max_side);
  if (!d.has_frame) return d.error("no current frame");
  const auto [out_w, out_h] = Impl::thumbnail_size(d.frame->width, d.frame->height, max_side);
  return d.convert(out_w, out_h, d.grey_sws[{out_w, out_h}], SWS_AREA, nullptr, true);
}

Status FfmpegVideoReader::hold() {
  Impl& d = *impl_;
  if (!d.has_frame) return d.error("no current frame");
  if (d.webp) {
    d.held_canvas = d.webp->canvas();
    return ok_status();
  }
  if (!d.held && !(d.held = av_frame_alloc())) return Error{ErrorCode::kInternal, "out of memory", d.file};
  av_frame_unref(d.held);
  if (const int r = av_frame_ref(d.held, d.frame); r < 0) return d.error("cannot hold a frame: " + av_error(r));
  return ok_status();
}

Result<Image8> FfmpegVideoReader::held_pixels() {
  Impl& d = *impl_;
  if (d.webp) {
    if (!d.held_canvas) return d.error("no frame held");
    return *d.held_canvas;
  }
  if (!d.held || !d.held->data[0]) return d.error("no frame held");
  return d.convert(d.held->width, d.held->height, d.sws, SWS_BICUBIC, d.held);
}

}  // namespace tagforge
