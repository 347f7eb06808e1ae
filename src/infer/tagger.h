// A tagger: a model folder (model_profile.h) turned into tags. Images are
// prepared one at a time into a batch buffer (any thread), then a batch
// runs on the one shared session.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "infer/model_profile.h"
#include "infer/onnx_model.h"
#include "infer/tag_labels.h"
#include "infer/tag_selection.h"
#include "tagforge/error.h"

namespace tagforge {

class Tagger {
 public:
  // Loads the labels and the model, and checks that they agree (one output
  // per label; the input's layout and size). Errors name the file.
  static Result<std::unique_ptr<Tagger>> open(ModelProfile profile, const RuntimeOptions& runtime);

  // input.size resolved from the model when the profile did not set it.
  const ModelProfile& profile() const { return profile_; }
  const TagLabels& labels() const { return labels_; }
  size_t floats_per_image() const { return size_t(profile_.input.size) * profile_.input.size * 3; }

  // Appends one image's input tensor to `batch`. Thread-safe.
  void prepare(const Image8& image, std::vector<float>& batch) const;
  // Writes it into one slot of floats_per_image() floats. Thread-safe.
  void prepare_into(const Image8& image, std::span<float> slot) const;

  // `batch` holds `count` prepared images. Reloads the model if unloaded.
  Result<std::vector<TagPrediction>> run(std::span<const float> batch, int count);
  // The raw probabilities (after the profile's sigmoid), count x labels.
  Result<std::vector<float>> probabilities(std::span<const float> batch, int count);

  // Frees the model until the next run.
  // Loads the model now (it loads on first use otherwise): a broken file is
  // found before any image waits on it. The error names the file.
  Status load() {
    auto m = slot_.get();
    return m ? ok_status() : Status(m.error());
  }
  void unload() { slot_.unload(); }
  bool loaded() const { return slot_.loaded(); }

 private:
  Tagger(ModelProfile profile, TagLabels labels, const RuntimeOptions& runtime);
  ModelProfile profile_;
  TagLabels labels_;
  ModelSlot slot_;
};

}  // namespace tagforge
