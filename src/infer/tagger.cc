#include "infer/tagger.h"

#include <fmt/format.h>

#include <cmath>

namespace tagforge {

Tagger::Tagger(ModelProfile profile, TagLabels labels, const RuntimeOptions& runtime)
    : profile_(std::move(profile)), labels_(std::move(labels)), slot_(profile_.model_file, runtime) {}

Result<std::unique_ptr<Tagger>> Tagger::open(ModelProfile profile, const RuntimeOptions& runtime) {
  if (profile.kind != ModelKind::kWdV3 && profile.kind != ModelKind::kJoyTag) {
    return Error{ErrorCode::kInvalidInput,
                 profile.kind == ModelKind::kYolo    ? "this is a detector, not a tagger (use `tagforge detect`)"
                 : profile.kind == ModelKind::kIsnet ? "this is a segmenter, not a tagger (use `tagforge segment`)"
                                                     : "this is an NSFW classifier, not a tagger (use `tagforge classify`)",
                 profile.model_file.parent_path()};
  }
  auto labels = read_tag_labels(profile.labels_file, profile.kind == ModelKind::kJoyTag);
  if (!labels) return labels.error();
  std::unique_ptr<Tagger> tagger(new Tagger(std::move(profile), std::move(*labels), runtime));
  auto model = tagger->slot_.get();
  if (!model) return model.error();
  ModelProfile& p = tagger->profile_;
  const auto& file = p.model_file;

  // Input: [N, S, S, 3] (NHWC) or [N, 3, S, S] (NCHW).
  const std::vector<int64_t>& in = (*model)->inputs()[0].shape;
  const bool nhwc = p.input.layout == TaggerInputSpec::Layout::kNHWC;
  if (in.size() != 4) {
    return Error{ErrorCode::kInvalidInput, fmt::format("the input has {} dimensions; a tagger takes 4", in.size()), file};
  }
  const int64_t channels = nhwc ? in[3] : in[1];
  const int64_t height = nhwc ? in[1] : in[2], width = nhwc ? in[2] : in[3];
  if (channels != 3) {
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("the input is not {} with 3 channels (shape [{}, {}, {}, {}]); set layout in model.toml",
                             nhwc ? "NHWC" : "NCHW", in[0], in[1], in[2], in[3]),
                 file};
  }
  if (!p.size_from_profile) {
    p.input.size = height > 0 ? int(height) : 448;
  }
  if ((height > 0 && height != p.input.size) || (width > 0 && width != p.input.size)) {
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("the model takes {}x{} images, the profile says {}", width, height, p.input.size), file};
  }
  // Output: [N, labels].
  const std::vector<int64_t>& out = (*model)->outputs()[0].shape;
  if (out.size() != 2 || (out[1] > 0 && size_t(out[1]) != tagger->labels_.size())) {
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("the first output should be [batch, {}] for the {} tags of {}", tagger->labels_.size(),
                             tagger->labels_.size(), p.labels_file.filename().string()),
                 file};
  }
  return tagger;
}

void Tagger::prepare(const Image8& image, std::vector<float>& batch) const {
  append_tagger_input(image, profile_.input, batch);
}

void Tagger::prepare_into(const Image8& image, std::span<float> slot) const {
  write_tagger_input(image, profile_.input, slot);
}

Result<std::vector<float>> Tagger::probabilities(std::span<const float> batch, int count) {
  auto model = slot_.get();
  if (!model) return model.error();
  const int64_t s = profile_.input.size;
  const bool nhwc = profile_.input.layout == TaggerInputSpec::Layout::kNHWC;
  const std::vector<int64_t> shape = nhwc ? std::vector<int64_t>{count, s, s, 3} : std::vector<int64_t>{count, 3, s, s};
  if (batch.size() != size_t(count) * floats_per_image()) {
    return Error{ErrorCode::kInternal, "batch buffer does not match the image count", profile_.model_file};
  }
  auto outputs = (*model)->run(batch, shape);
  if (!outputs) return outputs.error();
  Tensor& t = (*outputs)[0];
  if (t.values.size() != size_t(count) * labels_.size()) {
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("the model returned {} values for {} images of {} tags", t.values.size(), count,
                             labels_.size()),
                 profile_.model_file};
  }
  if (profile_.sigmoid) {
    for (float& v : t.values) v = 1.0f / (1.0f + std::exp(-v));
  }
  return std::move(t.values);
}

Result<std::vector<TagPrediction>> Tagger::run(std::span<const float> batch, int count) {
  auto p = probabilities(batch, count);
  if (!p) return p.error();
  std::vector<TagPrediction> out;
  out.reserve(size_t(count));
  for (int i = 0; i < count; ++i) {
    out.push_back(select_tags(labels_, std::span<const float>(*p).subspan(size_t(i) * labels_.size(), labels_.size()),
                              profile_));
  }
  return out;
}

}  // namespace tagforge
