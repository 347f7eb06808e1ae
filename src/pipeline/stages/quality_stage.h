// The quality stage (issue 24): each image's measures (media/image_quality.h)
// and, for a still, the [quality] gate's verdict: a still that fails goes to
// low_quality_N (action "move"), gets the review tag (action "flag"), or is
// only measured ("none"). Frames are measured too, not judged: a still's
// limits do not fit them (a frame is to be judged against its own clip, where
// frames are chosen).
//
// Result: {"width", "height", "bars": [top, bottom, left, right], "sharpness",
// "luma_mean", "luma_spread", "clipped_dark", "clipped_bright",
// "fine_detail", "scale", "faults": [why, …], "passes", "set_aside", "flagged"}.
#pragma once

#include <string>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "media/image_quality.h"
#include "pipeline/manifest.h"
#include "pipeline/stages/item_stage.h"

namespace tagforge {

const ItemStage& quality_stage();

// The measures as the result (and `tagforge scan --quality`) writes them.
nlohmann::ordered_json quality_json(const ImageQuality& q, const std::vector<std::string>& faults);

// The item is a still whose quality result found faults.
bool fails_quality_gate(const ItemState& item);
// Those faults, "; " between them ("" when none).
std::string quality_faults_text(const ItemState& item);

// The items whose quality result sets them aside (into low_quality_N).
Result<std::unordered_set<std::string>> low_quality_paths(Manifest& manifest);

}  // namespace tagforge
