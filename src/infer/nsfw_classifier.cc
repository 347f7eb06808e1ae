#include "infer/nsfw_classifier.h"

#include <fmt/format.h>

#include <algorithm>

#include "infer/tag_labels.h"
#include "media/resize_tf.h"

namespace tagforge {

std::vector<float> nsfwjs_input(const Image8& image, int size) {
  std::vector<float> rgb(size_t(image.width) * image.height * 3);
  for (size_t i = 0, n = size_t(image.width) * image.height; i < n; ++i) {
    for (int c = 0; c < 3; ++c) {
      const uint8_t v = image.pixels[i * image.channels + (image.channels == 1 ? 0 : c)];
      rgb[i * 3 + c] = float(double(v) / 255.0);  // tfjs divides in double, stores float32
    }
  }
  if (image.width == size && image.height == size) return rgb;
  return resize_bilinear_align_corners(rgb, image.height, image.width, 3, size, size);
}

float nsfw_from_classes(const std::vector<std::pair<std::string, float>>& classes) {
  float s = 0;
  for (const auto& [name, p] : classes) {
    if (name == "porn" || name == "hentai") s += p;
    if (name == "sexy") s += p / 2;
  }
  return std::clamp(s, 0.0f, 1.0f);
}

std::optional<float> nsfw_from_ratings(const std::map<std::string, float>& r) {
  auto get = [&](const char* k) { auto it = r.find(k); return it == r.end() ? 0.0f : it->second; };
  const float g = get("general"), s = get("sensitive"), q = get("questionable"), e = get("explicit");
  const float sum = g + s + q + e;
  if (sum <= 0) return std::nullopt;
  return std::clamp((e + q / 2 + s / 10) / sum, 0.0f, 1.0f);
}

float combined_nsfw(float from_classes, std::optional<float> from_ratings) {
  return from_ratings ? std::max(from_classes, *from_ratings) : from_classes;
}

NsfwClassifier::NsfwClassifier(ModelProfile profile, std::vector<std::string> classes, const RuntimeOptions& runtime)
    : profile_(std::move(profile)), classes_(std::move(classes)), slot_(profile_.model_file, runtime) {}

Result<std::unique_ptr<NsfwClassifier>> NsfwClassifier::open(ModelProfile profile, const RuntimeOptions& runtime) {
  if (profile.kind != ModelKind::kNsfw) {
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("this is a {} model, not an NSFW classifier", model_kind_name(profile.kind)),
                 profile.model_file.parent_path()};
  }
  auto labels = read_tag_labels(profile.labels_file, true);
  if (!labels) return labels.error();
  std::unique_ptr<NsfwClassifier> c(new NsfwClassifier(std::move(profile), std::move(labels->names), runtime));
  auto model = c->slot_.get();
  if (!model) return model.error();
  const auto& in = (*model)->inputs()[0].shape;
  if (in.size() != 4 || in[3] != 3) {
    return Error{ErrorCode::kInvalidInput, "the input is not NHWC [N, S, S, 3]", c->profile_.model_file};
  }
  c->size_ = c->profile_.size_from_profile ? c->profile_.input.size : (in[1] > 0 ? int(in[1]) : 224);
  return c;
}

Result<NsfwScores> NsfwClassifier::classify(const Image8& image) {
  auto model = slot_.get();
  if (!model) return model.error();
  const std::vector<float> tensor = nsfwjs_input(image, size_);
  const int64_t shape[] = {1, size_, size_, 3};
  auto out = (*model)->run(tensor, shape, 1);
  if (!out) return out.error();
  const Tensor& t = (*out)[0];
  if (t.values.size() != classes_.size()) {
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("the model gives {} scores for {} classes", t.values.size(), classes_.size()),
                 profile_.model_file};
  }
  NsfwScores s;
  for (size_t i = 0; i < classes_.size(); ++i) s.classes.emplace_back(classes_[i], t.values[i]);
  s.nsfw = nsfw_from_classes(s.classes);
  return s;
}

}  // namespace tagforge
