// From a tagger's probabilities to the tags kept, as SmilingWolf's WD tagger
// code does: every rating with its probability; general and character tags
// above their thresholds, or above the MCut threshold (the middle of the
// widest gap between neighbouring sorted probabilities), the character one
// never below its floor.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "infer/model_profile.h"
#include "infer/tag_labels.h"

namespace tagforge {

struct TagScore {
  std::string name;
  float probability = 0;
};

// Each list sorted by probability, highest first (ties by name).
struct TagPrediction {
  std::vector<TagScore> rating, general, character;
};

// Maximum Cut Thresholding (Largeron et al., 2012). Fewer than two values: 0.
float mcut_threshold(std::vector<float> probabilities);

// REQUIRES: probabilities.size() == labels.size()
TagPrediction select_tags(const TagLabels& labels, std::span<const float> probabilities, const ModelProfile& profile);

}  // namespace tagforge
