// The phash stage: the image's perceptual hashes and grey thumbnail for
// [dedupe] near_copies (no model). Result: perceptual_hash_result.h's JSON.
#pragma once

#include "pipeline/stages/item_stage.h"

namespace tagforge {

const ItemStage& hash_stage();

}  // namespace tagforge
