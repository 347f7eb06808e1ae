// The score stage: how well the item's caption agrees with its tags (and its
// detections), as tagforge/score.h scores it, with the quality tags and the
// review flag that follow. Result: {"tag_inclusion", "english_similarity",
// "segmentation", "overall", "missing", "contradicted", "extra",
// "quality_tags", "flagged"}. A person's edits are scored as they stand.
#pragma once

#include <string>

#include "pipeline/stages/item_stage.h"
#include "tagforge/score.h"

namespace tagforge {

const ItemStage& score_stage();

// The score stage's result for the item as it is now (its tags and caption,
// a person's edits included). REQUIRES: c.engine and c.lexicon.
std::string score_result_data(const ItemState& item, const RunContext& context);

// How captions are scored: [caption] and [score] as the scorer takes them.
ScoreOptions score_options_of(const RunConfig& config);

}  // namespace tagforge
