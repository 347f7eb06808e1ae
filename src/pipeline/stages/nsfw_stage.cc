#include "pipeline/stages/nsfw_stage.h"

#include "pipeline/stage_models.h"

namespace tagforge {

namespace {

using json = nlohmann::ordered_json;

class NsfwStage : public ItemStage {
 public:
  const char* name() const override { return kStageNsfw; }
  bool reads_image() const override { return true; }
  bool reads_only_the_image() const override { return true; }
  bool runs_a_model() const override { return true; }
  bool applies(const RunContext& c) const override { return c.nsfw != nullptr; }
  const char* model_key() const override { return "nsfw"; }
  void add_model_option(OptionSection& models, ModelsConfig& m) const override {
    models.add(model_key(),
               "NSFW classifier: a name (nsfwjs) or a folder; empty: the catalogue's default when installed; \"none\": "
               "no NSFW scores",
               &m.nsfw);
  }
  std::vector<std::string> models_named(const ModelsConfig& m) const override { return one_model_named(m.nsfw); }

  Status load_model(const ModelLocation& loc, const RuntimeOptions& runtime, RunContext& c) const override {
    auto model = load_stage_model<NsfwClassifier>(loc, runtime);
    if (!model) return model.error();
    c.nsfw = std::move(*model);
    c.nsfw_identity = model_identity(loc);
    return ok_status();
  }
  void unload_models(const RunContext& c) const override {
    if (c.nsfw) c.nsfw->unload();
  }

  std::optional<std::string> fingerprint(const FingerprintInputs& in) const override {
    if (!in.context.nsfw) return std::nullopt;
    return stage_fingerprint({kStageNsfw, in.item.item.hash, in.context.nsfw_identity});
  }

  StageOutput compute(const StageInput& in) const override {
    auto scores = in.context.nsfw->classify(*in.image);
    if (!scores) return stage_failed(scores.error().to_string());
    json classes = json::object();
    for (const auto& [name, p] : scores->classes) classes[name] = p;
    return stage_ok(result_text(json{{"classes", classes}, {"nsfw", scores->nsfw}}));
  }
};

}  // namespace

const ItemStage& nsfw_stage() {
  static const NsfwStage stage;
  return stage;
}

}  // namespace tagforge
