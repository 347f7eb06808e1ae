// The per-item stages `tagforge run` knows, in the order they run: a stage
// comes after every stage it reads. A new stage is one file pair in this
// folder and one line here (as libvips registers its operations); the
// batch runner, the progress bar, the report's tables and the stage timings
// learn of it from this list.
#include "pipeline/stages/caption_stage.h"
#include "pipeline/stages/check_stage.h"
#include "pipeline/stages/detect_stage.h"
#include "pipeline/stages/hash_stage.h"
#include "pipeline/stages/item_stage.h"
#include "pipeline/stages/nsfw_stage.h"
#include "pipeline/stages/quality_stage.h"
#include "pipeline/stages/score_stage.h"
#include "pipeline/stages/segment_stage.h"
#include "pipeline/stages/tagger_stage.h"
#include "pipeline/stages/tags_stage.h"

namespace tagforge {

std::span<const ItemStage* const> item_stages() {
  static const ItemStage* const kStages[] = {
      &tagger_stage(), &detect_stage(),  &segment_stage(), &nsfw_stage(),    &hash_stage(),
      &quality_stage(), &tags_stage(),   &check_stage(),   &caption_stage(), &score_stage(),
  };
  return kStages;
}

}  // namespace tagforge
