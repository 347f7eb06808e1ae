#include "pipeline/stages/hash_stage.h"

#include "pipeline/perceptual_hash_result.h"

namespace tagforge {

namespace {

class HashStage : public ItemStage {
 public:
  const char* name() const override { return kStageHash; }
  bool reads_image() const override { return true; }
  bool reads_only_the_image() const override { return true; }

  std::optional<std::string> fingerprint(const FingerprintInputs& in) const override {
    if (!in.context.config.dedupe.near_copies) return std::nullopt;
    return stage_fingerprint({kStageHash, in.item.item.hash});
  }

  StageOutput compute(const StageInput& in) const override { return stage_ok(perceptual_hash_data(*in.image)); }
};

}  // namespace

const ItemStage& hash_stage() {
  static const HashStage stage;
  return stage;
}

}  // namespace tagforge
