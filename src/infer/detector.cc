#include "infer/detector.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "infer/yolo_decode.h"
#include "infer/yolo_metadata.h"
#include "media/composite.h"

namespace tagforge {

std::pair<float, float> default_detector_thresholds(const std::vector<std::string>& names) {
  if (names.size() == 1) {
    if (names[0] == "face") return {0.25f, 0.7f};
    if (names[0] == "head") return {0.4f, 0.7f};
    if (names[0] == "person") return {0.3f, 0.5f};
    if (names[0] == "hand") return {0.35f, 0.7f};
  }
  return {0.25f, 0.7f};
}

std::pair<int, int> detector_input_size(int w, int h, int imgsz, int fixed_w, int fixed_h) {
  if (fixed_w > 0 && fixed_h > 0) return {fixed_w, fixed_h};
  double nw = w, nh = h;
  const double r = double(imgsz) / std::max(w, h);
  if (r < 1) nw *= r, nh *= r;
  auto align = [](double v) { return std::max(32, int(std::ceil(v / 32) * 32)); };
  return {align(nw), align(nh)};
}

Detector::Detector(ModelProfile profile, const RuntimeOptions& runtime)
    : profile_(std::move(profile)), slot_(profile_.model_file, runtime) {}

Result<std::unique_ptr<Detector>> Detector::open(ModelProfile profile, const RuntimeOptions& runtime) {
  if (profile.kind != ModelKind::kYolo) {
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("this is a {} model, not a detector", model_kind_name(profile.kind)),
                 profile.model_file.parent_path()};
  }
  std::unique_ptr<Detector> d(new Detector(std::move(profile), runtime));
  auto model = d->slot_.get();
  if (!model) return model.error();
  const auto& file = d->profile_.model_file;
  auto names_text = (*model)->metadata("names");
  if (!names_text) {
    return Error{ErrorCode::kInvalidInput, "the model has no 'names' metadata (an Ultralytics export writes it)", file};
  }
  auto names = parse_yolo_names(*names_text);
  if (!names) return Error{ErrorCode::kInvalidInput, fmt::format("cannot read the class names '{}'", *names_text), file};
  d->names_ = std::move(*names);
  if (auto imgsz = (*model)->metadata("imgsz")) {
    auto side = parse_yolo_imgsz(*imgsz);
    if (!side) return Error{ErrorCode::kInvalidInput, fmt::format("cannot read imgsz '{}'", *imgsz), file};
    d->imgsz_ = *side;
  }
  const auto& in = (*model)->inputs()[0].shape;
  if (in.size() != 4 || in[1] != 3) {
    return Error{ErrorCode::kInvalidInput, "the input is not [1, 3, height, width]", file};
  }
  d->fixed_height_ = in[2] > 0 ? int(in[2]) : 0;
  d->fixed_width_ = in[3] > 0 ? int(in[3]) : 0;
  auto [conf, iou] = default_detector_thresholds(d->names_);
  d->confidence_ = d->profile_.confidence.value_or(conf);
  d->iou_ = d->profile_.iou.value_or(iou);
  return d;
}

void Detector::set_thresholds(std::optional<float> confidence, std::optional<float> iou) {
  if (confidence) confidence_ = *confidence;
  if (iou) iou_ = *iou;
}

Result<std::vector<Detection>> Detector::detect(const Image8& image, int full_width, int full_height) {
  auto model = slot_.get();
  if (!model) return model.error();
  auto [tw, th] = detector_input_size(full_width, full_height, imgsz_, fixed_width_, fixed_height_);
  Image8 rgb = composite_on_white(image, image.width, image.height);
  if (rgb.width != tw || rgb.height != th) rgb = resize_bicubic_like_pil(rgb, tw, th);
  const size_t plane = size_t(tw) * th;
  std::vector<float> tensor(plane * 3);
  for (size_t i = 0; i < plane; ++i) {
    for (size_t c = 0; c < 3; ++c) tensor[c * plane + i] = rgb.pixels[i * 3 + c] / 255.0f;
  }
  const int64_t shape[] = {1, 3, th, tw};
  auto outputs = (*model)->run(tensor, shape);
  if (!outputs) return outputs.error();
  const Tensor& out = (*outputs)[0];
  YoloDecodeOptions opt{confidence_, iou_, tw, th, full_width, full_height};
  const bool v8 = out.shape.size() == 3 && out.shape[1] == int64_t(4 + names_.size());
  const bool v10 = out.shape.size() == 3 && out.shape[2] == 6;
  if (!v8 && !v10) {
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("output shape [{}] is neither YOLOv8 [1, {}, N] nor YOLOv10 [1, N, 6]",
                             fmt::join(out.shape, ", "), 4 + names_.size()),
                 profile_.model_file};
  }
  std::vector<Detection> found = decode_yolo(out.values, out.shape, names_, opt);
  for (Detection& d : found) d.model = profile_.name;
  return found;
}

}  // namespace tagforge
