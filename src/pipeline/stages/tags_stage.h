// The tags stage: the item's own tag sidecar merged with the tagger's
// predictions through the tag engine (normalised, implied and impossible
// tags dropped). Result: {"tags": the formatted line, "own": the sidecar's
// text when there is one}. `tagforge tag` writes merged_tag_line too.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pipeline/stages/item_stage.h"

namespace tagforge {

const ItemStage& tags_stage();

// `own` (a tag sidecar's text) merged with `predicted` (tagger_stage.h's
// predicted_tags), credited to `source`, formatted as the tag file holds it.
std::string merged_tag_line(std::string_view own, const std::vector<std::pair<std::string, float>>& predicted,
                            const std::string& source, const TagEngine& engine);

}  // namespace tagforge
