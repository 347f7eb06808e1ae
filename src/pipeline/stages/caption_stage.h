// The caption stage: the item's own caption sidecar when it has one; else
// plain English from the tags (lexicon and grammar, tagforge/caption.h), or
// with [caption.llm] a vision LLM's caption checked against the tags
// (caption_llm.h). Result: {"caption", "source": "sidecar" | "tags" | "llm",
// and the LLM's attempts and corrected tags when one was asked}.
#pragma once

#include "pipeline/stages/item_stage.h"
#include "tagforge/caption.h"

namespace tagforge {

const ItemStage& caption_stage();

// [caption] as the caption grammar takes it.
CaptionOptions caption_options_of(const RunConfig& config);

}  // namespace tagforge
