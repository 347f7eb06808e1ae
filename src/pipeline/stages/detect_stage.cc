#include "pipeline/stages/detect_stage.h"

#include "pipeline/stage_models.h"

namespace tagforge {

namespace {

using json = nlohmann::ordered_json;

class DetectStage : public ItemStage {
 public:
  const char* name() const override { return kStageDetect; }
  bool reads_image() const override { return true; }
  bool reads_only_the_image() const override { return true; }
  bool runs_a_model() const override { return true; }
  bool applies(const RunContext& c) const override { return !c.detectors.empty(); }
  const char* model_key() const override { return "detectors"; }
  void add_model_option(OptionSection& models, ModelsConfig& m) const override {
    models.add(model_key(),
               "YOLO detectors: names (face, head, person, hand) or folders (imgutils layout); empty: the catalogue's "
               "defaults that are installed; [\"none\"]: no detection",
               &m.detectors);
  }
  std::vector<std::string> models_named(const ModelsConfig& m) const override { return m.detectors; }

  Status load_model(const ModelLocation& loc, const RuntimeOptions& runtime, RunContext& c) const override {
    auto model = load_stage_model<Detector>(loc, runtime);
    if (!model) return model.error();
    c.detectors.push_back(std::move(*model));
    c.detect_identity += model_identity(loc) + "\n";
    return ok_status();
  }
  void unload_models(const RunContext& c) const override {
    for (const auto& d : c.detectors) d->unload();
  }

  std::optional<std::string> fingerprint(const FingerprintInputs& in) const override {
    if (in.context.detectors.empty()) return std::nullopt;
    return stage_fingerprint({kStageDetect, in.item.item.hash, in.context.detect_identity});
  }

  StageOutput compute(const StageInput& in) const override {
    const Image8& image = *in.image;
    auto found = detect_all(in.context.detectors, image, image.width, image.height);
    if (!found) return stage_failed(found.error().to_string());
    json dets = json::array();
    for (const Detection& x : *found) {
      dets.push_back({{"model", x.model},
                      {"label", x.label},
                      {"score", x.score},
                      {"box", box_json(x.box)}});
    }
    return stage_ok(result_text(json{{"width", image.width}, {"height", image.height}, {"detections", dets}}));
  }
};

}  // namespace

const ItemStage& detect_stage() {
  static const DetectStage stage;
  return stage;
}

Result<std::vector<Detection>> detect_all(std::span<const std::shared_ptr<Detector>> detectors, const Image8& image,
                                          int width, int height) {
  std::vector<Detection> all;
  for (const auto& d : detectors) {
    auto found = d->detect(image, width, height);
    if (!found) return found.error();
    all.insert(all.end(), found->begin(), found->end());
  }
  return all;
}

}  // namespace tagforge
