#include "pipeline/stages/quality_stage.h"

#include <cmath>

namespace tagforge {

namespace {

using json = nlohmann::ordered_json;

// Figures as the result keeps them: to a thousandth (a tenth for sharpness), so the text reads well.
double rounded(double v, double per_unit) { return std::round(v * per_unit) / per_unit; }

class QualityStage : public ItemStage {
 public:
  const char* name() const override { return kStageQuality; }
  bool reads_image() const override { return true; }
  bool reads_only_the_image() const override { return true; }

  void add_options(OptionTable& table, RunConfig& config) const override {
    QualityConfig& q = config.quality;
    QualityGate& g = q.gate;
    OptionSection t{table, "quality"};
    t.add("action", "A still that fails the gate: move (into low_quality_N), flag (add the review tag) or none "
          "(measured and shown only)", &q.action, std::nullopt, {"move", "flag", "none"});
    table.back().flag_names_section = true;  // --quality-action
    t.add("min_sharpness", "Blurry below this variance of the Laplacian (of a grey copy 512 px on its long side); 0: off",
          &g.min_sharpness, std::pair{0.0, 1e9});
    t.add("min_luma_mean", "Too dark below this mean luma (0-255); 0: off", &g.min_luma_mean, std::pair{0.0, 255.0});
    t.add("max_luma_mean", "Too bright above this mean luma (0-255); 0: off", &g.max_luma_mean, std::pair{0.0, 255.0});
    t.add("min_luma_spread", "Flat (one shade all over) below this standard deviation of luma; 0: off",
          &g.min_luma_spread, std::pair{0.0, 255.0});
    t.add("max_clipped", "Clipped above this share of pixels pure black or white; 0: off", &g.max_clipped,
          std::pair{0.0, 1.0});
    t.add("min_side", "Small below this short side in pixels (inside any black bars); 0: off", &g.min_side,
          std::pair{0.0, 65536.0});
    t.add("max_upscale", "Upscaled when enlarged more than this from a smaller picture (1, 2, 4, 8); 0: off",
          &g.max_upscale, std::pair{0.0, 8.0});
    t.add("max_bars", "Letterboxed above this share of the area in black bars; 0: off", &g.max_bars,
          std::pair{0.0, 1.0});
  }

  std::optional<std::string> fingerprint(const FingerprintInputs& in) const override {
    return stage_fingerprint({kStageQuality, in.item.item.hash, in.item.item.kind, in.context.section("quality")});
  }

  StageOutput compute(const StageInput& in) const override {
    const QualityConfig& config = in.context.config.quality;
    const ImageQuality q = measure_quality(*in.image);
    // Frames are measured only: a still's limits do not fit them (a frame is to be judged against
    // its own clip, where frames are chosen).
    const bool still = in.item.item.kind != "frame";
    const std::vector<std::string> faults = still ? quality_faults(q, config.gate) : std::vector<std::string>{};
    json out = quality_json(q, faults);
    out["set_aside"] = !faults.empty() && config.action == "move";
    out["flagged"] = !faults.empty() && config.action == "flag";
    return stage_ok(result_text(out));
  }
};

}  // namespace

json quality_json(const ImageQuality& q, const std::vector<std::string>& faults) {
  return json{{"width", q.width},
              {"height", q.height},
              {"bars", json::array({q.bars.top, q.bars.bottom, q.bars.left, q.bars.right})},
              {"sharpness", rounded(q.sharpness, 10)},
              {"luma_mean", rounded(q.luma_mean, 10)},
              {"luma_spread", rounded(q.luma_spread, 10)},
              {"clipped_dark", rounded(q.clipped_dark, 1000)},
              {"clipped_bright", rounded(q.clipped_bright, 1000)},
              {"fine_detail", rounded(q.fine_detail, 1000)},
              {"scale", q.effective_scale},
              {"faults", faults},
              {"passes", faults.empty()}};
}

bool fails_quality_gate(const ItemState& item) {
  const StageResult* r = stage_result(item, kStageQuality);
  return r && !stage_json(*r)["faults"].empty();
}

std::string quality_faults_text(const ItemState& item) {
  const StageResult* r = stage_result(item, kStageQuality);
  return r ? faults_text(stage_json(*r)["faults"].get<std::vector<std::string>>()) : std::string();
}

Result<std::unordered_set<std::string>> low_quality_paths(Manifest& m) {
  auto paths = m.paths_with_result_flag(kStageQuality, "set_aside");
  if (!paths) return paths.error();
  return std::unordered_set<std::string>(paths->begin(), paths->end());
}

const ItemStage& quality_stage() {
  static const QualityStage stage;
  return stage;
}

}  // namespace tagforge
