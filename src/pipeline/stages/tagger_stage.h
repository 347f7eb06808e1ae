// The tagger stage: a booru tagger's scores for the image (WD v3, JoyTag),
// one model call for the batch's images. Result: {"rating", "general",
// "character"}, each the tags over their threshold -> probability.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "infer/model_profile.h"
#include "infer/tagger.h"
#include "pipeline/stages/item_stage.h"

namespace tagforge {

const ItemStage& tagger_stage();

// The thresholds a user set ([tag] or `tagforge tag`'s flags) over the model's own.
void set_tagger_thresholds(ModelProfile& profile, std::optional<float> general, std::optional<float> character,
                           bool mcut);

// The tags a prediction names, characters first, with their probabilities:
// what the tags stage merges with the item's own (tags_stage.h).
std::vector<std::pair<std::string, float>> predicted_tags(const TagPrediction& prediction);

}  // namespace tagforge
