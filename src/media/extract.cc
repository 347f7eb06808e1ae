#include "media/extract.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/atomic_file.h"
#include "core/fs_ops.h"
#include "media/encode.h"

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
  std::map<int64_t, Box> crops;  // of accepted candidates, when two passes need them again
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
    if (selector.wants_features(time)) {
      auto thumb = (*first)->thumbnail(opt.thumbnail);
      if (!thumb) return thumb.error();
      features = frame_features(*thumb);
    }
    const FrameFeatures* feat = features ? &*features : nullptr;
    if (!opt.inspector) {
      if (selector.add(index, time, feat) && one_pass) {
        auto pixels = (*first)->pixels();
        if (!pixels) return pixels.error();
        TF_RETURN_IF_ERROR(write(std::move(*pixels), std::nullopt, selector.current_slice(), index));
      }
      continue;
    }
    if (!selector.admit(index, time, feat)) continue;
    auto pixels = (*first)->pixels();
    if (!pixels) return pixels.error();
    auto look = opt.inspector(*pixels);
    if (!look) return Error{look.error().code, fmt::format("frame {}: {}", index, look.error().message), source};
    if (!look->missing.empty()) {
      selector.reject(index, time, "missing: " + look->missing);
      continue;
    }
    const bool keep = selector.accept(index, time, feat);
    if (one_pass && keep) TF_RETURN_IF_ERROR(write(std::move(*pixels), look->crop, selector.current_slice(), index));
    if (!one_pass && look->crop) crops[index] = *look->crop;
  }
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
  nlohmann::ordered_json j{{"source", r.source.string()},
                           {"kind", r.animation ? "animation" : "video"},
                           {"codec", r.info.codec},
                           {"width", r.info.width},
                           {"height", r.info.height},
                           {"duration", r.info.duration},
                           {"frames_decoded", r.frames_decoded},
                           {"slices", slices},
                           {"written", written}};
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace tagforge
