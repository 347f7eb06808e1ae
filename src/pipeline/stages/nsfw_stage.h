// The nsfw stage: nsfwjs's classes for the image and the nsfw score made of
// them. Result: {"classes": {name: p}, "nsfw"}. It routes the LLM caption
// ([caption.llm] nsfw_endpoint) and is shown on the review page.
#pragma once

#include "infer/nsfw_classifier.h"
#include "pipeline/stages/item_stage.h"

namespace tagforge {

const ItemStage& nsfw_stage();

}  // namespace tagforge
