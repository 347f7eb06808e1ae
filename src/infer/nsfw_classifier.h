// NSFW classification with nsfwjs's MobileNetV2 ("mid"), converted to ONNX by
// scripts/fetch_nsfw.sh, prepared exactly as nsfwjs prepares it: RGB / 255,
// then (unless already 224x224) TensorFlow's bilinear with align_corners to
// 224x224, NHWC. Outputs: probabilities of drawing, hentai, neutral, porn,
// sexy (softmax inside the model).
//
// One nsfw score in [0, 1]:
//   from the classes: porn + hentai + sexy / 2;
//   from a tagger's ratings (WD v3: independent probabilities, normalised
//   to sum 1 here): explicit + questionable / 2 + sensitive / 10;
//   combined: the larger of the two (the score routes images away from remote
//   captioning services, so a miss costs more than a false alarm).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "infer/model_profile.h"
#include "infer/onnx_model.h"
#include "media/resample.h"
#include "tagforge/error.h"

namespace tagforge {

// nsfwjs's input tensor for an RGB(A) image (alpha dropped, as tf.browser.fromPixels).
std::vector<float> nsfwjs_input(const Image8& image, int size);

struct NsfwScores {
  std::vector<std::pair<std::string, float>> classes;  // model order
  float nsfw = 0;                                       // from the classes
};

float nsfw_from_classes(const std::vector<std::pair<std::string, float>>& classes);
// nullopt when none of general/sensitive/questionable/explicit is there.
std::optional<float> nsfw_from_ratings(const std::map<std::string, float>& ratings);
float combined_nsfw(float from_classes, std::optional<float> from_ratings);

class NsfwClassifier {
 public:
  static Result<std::unique_ptr<NsfwClassifier>> open(ModelProfile profile, const RuntimeOptions& runtime);
  const ModelProfile& profile() const { return profile_; }
  Result<NsfwScores> classify(const Image8& image);
  // Loads the model now (it loads on first use otherwise): a broken file is
  // found before any image waits on it. The error names the file.
  Status load() {
    auto m = slot_.get();
    return m ? ok_status() : Status(m.error());
  }
  void unload() { slot_.unload(); }

 private:
  NsfwClassifier(ModelProfile profile, std::vector<std::string> classes, const RuntimeOptions& runtime);
  ModelProfile profile_;
  std::vector<std::string> classes_;
  ModelSlot slot_;
  int size_ = 224;
};

}  // namespace tagforge
