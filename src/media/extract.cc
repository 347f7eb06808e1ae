#include "media/extract.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/atomic_file.h"
#include "core/fs_ops.h"
#include "media/encode.h"
#include "media/frame_quality.h"
#include "media/image_quality.h"

namespace tagforge {

namespace fs = std::filesystem;

namespace {

bool is_animation_codec(const std::string& codec) { return codec == "gif" || codec == "apng" || codec == "webp"; }

// The whole pixels of `box` (clipped to the image; never empty).
Image8 crop_image(const Image8& im, const Box& box) {
  const int x0 = std::clamp(int(std::floor(box.x0)), 0, im.width - 1);
  const int y0 = std::clamp(int(std::floor(box.y0)), 0, im.height - 1);
  const int x1 = std::clamp(int(std::ceil(box.x1)), x0 + 1, im.width);
  const int y1 = std::clamp(int(std::ceil(box.y1)), y0 + 1, im.height);
  Image8 out;
  out.width = x1 - x0;
  out.height = y1 - y0;
  out.channels = im.channels;
  out.pixels.resize(size_t(out.width) * out.height * out.channels);
  const size_t row = size_t(out.width) * out.channels;
  for (int y = 0; y < out.height; ++y) {
    const uint8_t* from = im.pixels.data() + (size_t(y0 + y) * im.width + x0) * im.channels;
    std::copy(from, from + row, out.pixels.data() + size_t(y) * row);
  }
  return out;
}

// `b` moved by (dx, dy).
Box shifted(const Box& b, float dx, float dy) { return Box{b.x0 + dx, b.y0 + dy, b.x1 + dx, b.y1 + dy}; }

}  // namespace

std::pair<int, int> fit_resolution(int w, int h, int minimum_short, int maximum_long) {
  double scale = 1;
  if (minimum_short > 0 && std::min(w, h) < minimum_short) scale = double(minimum_short) / std::min(w, h);
  if (maximum_long > 0 && std::max(w, h) * scale > maximum_long) scale = double(maximum_long) / std::max(w, h);
  return {std::max(1, int(std::lround(w * scale))), std::max(1, int(std::lround(h * scale)))};
}

Result<ExtractReport> extract_frames(const fs::path& source, const fs::path& out_dir, const ExtractOptions& opt,
                                     const fs::path& sidecar) {
  ExtractReport report;
  report.source = source;
  std::string tags;
  if (!sidecar.empty()) {
    auto text = read_whole_file(sidecar, "tag sidecar");
    if (!text) return text.error();
    tags = std::move(*text);
  }

  // Pass 1: times and thumbnails decide what to keep. When the selection
  // decides each frame as it comes (no minimum above 1, no maximum), kept
  // frames are written in this same pass and there is no second one.
  auto first = VideoReader::open(source);
  if (!first) return first.error();
  report.info = (*first)->info();
  report.animation = is_animation_codec(report.info.codec);
  SelectionSettings settings = opt.selection;
  settings.fps = report.animation ? opt.gfps : opt.vfps;
  FrameSelector selector(settings, report.info.duration);
  const bool one_pass = selector.decides_at_once();
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) return Error{ErrorCode::kIo, "cannot create the output folder: " + ec.message(), out_dir};
  const std::string stem = source.stem().string();
  auto write = [&](Image8 image, const std::optional<Box>& crop, int slice, int64_t index) -> Status {
    if (crop) image = crop_image(image, *crop);
    auto [w, h] = fit_resolution(image.width, image.height, opt.minimum_resolution, opt.maximum_resolution);
    if (w != image.width || h != image.height) image = resize_bicubic_like_pil(image, w, h);
    const fs::path file = out_dir / fmt::format("{}_s{}_f{}.{}", stem, slice, index, opt.format);
    auto bytes = encode_image(image, opt.format, 95, file);
    if (!bytes) return bytes.error();
    TF_RETURN_IF_ERROR(write_file_atomic(file, *bytes, Overwrite::kReplace));
    if (!sidecar.empty()) {
      fs::path tag_file = file;
      tag_file.replace_extension(sidecar.extension());
      TF_RETURN_IF_ERROR(write_file_atomic(tag_file, tags, Overwrite::kReplace));
    }
    report.written.push_back(file);
    return ok_status();
  };
  // Candidates when they are screened (frame_quality.h, the inspector).
  const FrameGateSettings& gate = opt.gate;
  const double interval = settings.fps > 0 ? 1.0 / settings.fps : 0;
  const double window = gate.enabled ? std::max(0.0, gate.sharpest_window) * interval : 0;
  SliceSharpness slice(interval);  // of the current slice
  struct Looked {
    int64_t index = 0;
    double time = 0;
    ImageQuality thumb;  // measured on a kFrameGateSide thumbnail (gate on)
    std::optional<FrameFeatures> features;
  };
  struct Window {  // the frames after a sampling time; the best one is held by the reader
    double end = 0;
    Looked best;
    std::vector<Looked> others;
  };
  std::optional<Window> open;
  std::map<int64_t, Box> crops;  // of accepted candidates, when two passes need them again
  // The gate's measures of the frame just decoded, on a thumbnail (none when the gate is off).
  auto measure_now = [&]() -> Result<ImageQuality> {
    if (!gate.enabled) return ImageQuality{};
    auto thumb = (*first)->grey_thumbnail(kFrameGateSide);
    if (!thumb) return thumb.error();
    return measure_quality(*thumb);
  };
  // The window's best frame judged, inspected, and kept or pruned with the rest of the window.
  auto settle = [&](Window& w) -> Status {
    const Looked& best = w.best;
    auto prune_rest = [&] {
      for (const Looked& o : w.others) {
        selector.reject(o.index, o.time,
                        fmt::format("not clearly sharper than frame {} ({:.1f} vs {:.1f})", best.index, o.thumb.sharpness,
                                    best.thumb.sharpness));
      }
    };
    ImageQuality measured = best.thumb;
    if (gate.enabled) {
      const auto faults = frame_faults(best.thumb.sharpness, slice.median(), best.thumb, gate);
      if (!faults.empty()) {
        selector.reject(best.index, best.time, faults_text(faults));
        prune_rest();
        return ok_status();
      }
    }
    // The frame at full size, converted only when something needs it: most
    // windows' frames are then pruned as similar to the last kept one.
    std::optional<Image8> pixels;
    auto convert = [&]() -> Status {
      if (pixels) return ok_status();
      auto p = (*first)->held_pixels();
      if (!p) return p.error();
      pixels = std::move(*p);
      return ok_status();
    };
    std::optional<Box> crop;  // in the frame's pixels
    if (gate.enabled) {
      measured.width = report.info.width;
      measured.height = report.info.height;
      measured.bars = {};
      if (best.thumb.bars.any()) {  // the thumbnail found bars: find them to the pixel
        TF_RETURN_IF_ERROR(convert());
        measured.bars = find_picture_bars(*pixels);
        if (gate.crop_bars && measured.bars.any()) crop = picture_box(measured);
      }
    }
    if (opt.inspector) {
      TF_RETURN_IF_ERROR(convert());
      const Image8 inside = crop ? crop_image(*pixels, *crop) : Image8{};  // it sees the frame without its bars
      auto look = opt.inspector(crop ? inside : *pixels);
      if (!look) return Error{look.error().code, fmt::format("frame {}: {}", best.index, look.error().message), source};
      if (!look->missing.empty()) {
        selector.reject(best.index, best.time, "missing: " + look->missing);
        prune_rest();
        return ok_status();
      }
      if (look->crop) crop = crop ? shifted(*look->crop, crop->x0, crop->y0) : *look->crop;
    }
    const bool keep = selector.accept(best.index, best.time, best.features ? &*best.features : nullptr);
    prune_rest();
    if (gate.enabled && (keep || !one_pass)) report.pictures[best.index] = measured;
    if (one_pass && keep) {
      TF_RETURN_IF_ERROR(convert());
      return write(std::move(*pixels), crop, selector.current_slice(), best.index);
    }
    if (!one_pass && crop) crops[best.index] = *crop;
    return ok_status();
  };
  const bool screened = gate.enabled || bool(opt.inspector);
  double end = 0;
  while (true) {
    auto f = (*first)->next(false);
    if (!f) return f.error();
    if (!f->has_value()) break;
    ++report.frames_decoded;
    const int64_t index = (*f)->index;
    const double time = (*f)->time;
    end = time + ((*f)->duration > 0 ? (*f)->duration : 0);
    std::optional<FrameFeatures> features;
    if (selector.wants_features(time) || open) {
      auto thumb = (*first)->thumbnail(opt.thumbnail);
      if (!thumb) return thumb.error();
      features = frame_features(*thumb);
    }
    const FrameFeatures* feat = features ? &*features : nullptr;
    if (!screened) {
      if (selector.add(index, time, feat) && one_pass) {
        auto pixels = (*first)->pixels();
        if (!pixels) return pixels.error();
        TF_RETURN_IF_ERROR(write(std::move(*pixels), std::nullopt, selector.current_slice(), index));
      }
      continue;
    }
    const bool starts_slice = selector.begin_frame(index, time, feat);
    if (open && (starts_slice || time + 1e-6 >= open->end)) {
      TF_RETURN_IF_ERROR(settle(*open));
      open.reset();
    }
    if (starts_slice) slice = SliceSharpness(interval);
    if (open) {  // within the window: the sharpest frame so far stands for it
      auto measured = measure_now();
      if (!measured) return measured.error();
      slice.add(time, measured->sharpness);
      Looked looked{index, time, *measured, std::move(features)};
      if (looked.thumb.sharpness <= open->best.thumb.sharpness * kClearlySharper) {
        open->others.push_back(std::move(looked));
        continue;
      }
      TF_RETURN_IF_ERROR((*first)->hold());
      open->others.push_back(std::move(open->best));
      open->best = std::move(looked);
      continue;
    }
    if (!selector.admit(index, time, feat)) continue;
    auto measured = measure_now();
    if (!measured) return measured.error();
    if (gate.enabled) slice.add(time, measured->sharpness);
    TF_RETURN_IF_ERROR((*first)->hold());
    Window w{time + window, Looked{index, time, *measured, std::move(features)}, {}};
    if (window > 0) {
      open = std::move(w);
    } else {
      TF_RETURN_IF_ERROR(settle(w));
    }
  }
  if (open) TF_RETURN_IF_ERROR(settle(*open));
  first->reset();
  report.slices = selector.finish(end);
  if (report.frames_decoded == 0) return Error{ErrorCode::kInvalidInput, "no frame could be decoded", source};
  if (one_pass) return report;

  // Pass 2: convert and write the kept frames only.
  std::map<int64_t, int> slice_of;  // kept frame index -> slice number
  for (size_t s = 0; s < report.slices.size(); ++s) {
    for (int64_t k : report.slices[s].kept) slice_of[k] = int(s);
  }
  auto second = VideoReader::open(source);
  if (!second) return second.error();
  while (!slice_of.empty()) {
    auto f = (*second)->next(false);
    if (!f) return f.error();
    if (!f->has_value()) break;
    auto it = slice_of.find((*f)->index);
    if (it == slice_of.end()) continue;
    auto pixels = (*second)->pixels();
    if (!pixels) return pixels.error();
    auto crop = crops.find(it->first);
    TF_RETURN_IF_ERROR(write(std::move(*pixels), crop == crops.end() ? std::nullopt : std::optional<Box>(crop->second),
                             it->second, it->first));
    slice_of.erase(it);
  }
  return report;
}

std::string extract_report_json(const ExtractReport& r) {
  // Microseconds are plenty, and 0.3 reads better than 0.30000000000000004.
  auto seconds = [](double t) { return std::round(t * 1e6) / 1e6; };
  nlohmann::ordered_json slices = nlohmann::ordered_json::array();
  for (const Slice& s : r.slices) {
    nlohmann::ordered_json pruned = nlohmann::ordered_json::array();
    for (const PrunedFrame& p : s.pruned) pruned.push_back({{"index", p.index}, {"time", seconds(p.time)}, {"why", p.why}});
    slices.push_back({{"start", seconds(s.start)}, {"end", seconds(s.end)}, {"started_by", s.started_by}, {"kept", s.kept},
                      {"pruned", pruned}});
  }
  std::vector<std::string> written;
  for (const auto& p : r.written) written.push_back(p.string());
  // The gate's measures of the kept frames: sharpness and luma on the thumbnail it judged, bars to the pixel.
  nlohmann::ordered_json quality = nlohmann::ordered_json::array();
  for (const Slice& s : r.slices) {
    for (int64_t k : s.kept) {
      auto it = r.pictures.find(k);
      if (it == r.pictures.end()) continue;
      const ImageQuality& q = it->second;
      quality.push_back({{"index", k},
                         {"sharpness", std::round(double(q.sharpness) * 10) / 10},
                         {"luma_mean", std::round(double(q.luma_mean) * 10) / 10},
                         {"bars", {q.bars.top, q.bars.bottom, q.bars.left, q.bars.right}}});
    }
  }
  nlohmann::ordered_json j{{"source", r.source.string()},
                           {"kind", r.animation ? "animation" : "video"},
                           {"codec", r.info.codec},
                           {"width", r.info.width},
                           {"height", r.info.height},
                           {"duration", r.info.duration},
                           {"frames_decoded", r.frames_decoded},
                           {"slices", slices},
                           {"quality", quality},
                           {"written", written}};
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace tagforge
