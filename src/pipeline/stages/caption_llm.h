// The caption stage's vision-LLM path ([caption.llm]): the image (and, with
// a grid, its tiles with their own tags and owners) sent to the configured
// endpoints through caption/llm_caption.h, and what came back recorded in
// the caption's result: the attempts, the corrected tags, the stage-2 tiles
// and the rewrite.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "pipeline/stages/item_stage.h"
#include "tagforge/caption.h"

namespace tagforge {

// The caption result for the item: the LLM's caption, or `deterministic` (the
// tags' caption) to fall back on, and how it came about. `*transient`: the
// outcome is a fallback a later run may better (LlmCaptionOutcome::transient).
// REQUIRES: in.context.llm.
nlohmann::ordered_json llm_caption_result(const StageInput& in, const TagList& tags, std::string deterministic,
                                          const CaptionOptions& options, bool* transient);

}  // namespace tagforge
