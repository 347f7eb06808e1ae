#include "pipeline/stages/tagger_stage.h"

#include <fmt/format.h>

#include "pipeline/stage_models.h"

namespace tagforge {

namespace {

using json = nlohmann::ordered_json;

json scores_json(const std::vector<TagScore>& list) {
  json j = json::object();
  for (const TagScore& s : list) j[s.name] = s.probability;
  return j;
}

class TaggerStage : public ItemStage {
 public:
  const char* name() const override { return kStageTagger; }
  bool reads_image() const override { return true; }
  bool reads_only_the_image() const override { return true; }
  bool batched() const override { return true; }
  bool runs_a_model() const override { return true; }
  bool applies(const RunContext& c) const override { return c.tagger != nullptr; }
  const char* model_key() const override { return "tagger"; }
  void add_model_option(OptionSection& models, ModelsConfig& m) const override {
    models.add(model_key(),
               "Tagger: a name from `tagforge models list` (wd-vit-tagger-v3, joytag, …) or a folder (WD v3: "
               "selected_tags.csv; JoyTag: top_tags.txt); empty: the catalogue's default when installed; \"none\": no "
               "tagging",
               &m.tagger);
  }
  std::vector<std::string> models_named(const ModelsConfig& m) const override { return one_model_named(m.tagger); }

  // [tag]'s thresholds (< 0: the model's own) apply to the model; they are part of the fingerprint.
  Status load_model(const ModelLocation& loc, const RuntimeOptions& runtime, RunContext& c) const override {
    const TagConfig& tc = c.config.tag;
    auto set = [](float threshold) { return threshold >= 0 ? std::optional<float>(threshold) : std::nullopt; };
    auto model = load_stage_model<Tagger>(loc, runtime, [&](ModelProfile& p) {
      set_tagger_thresholds(p, set(tc.general_threshold), set(tc.character_threshold), tc.mcut);
    });
    if (!model) return model.error();
    c.tagger = std::move(*model);
    c.tagger_identity = model_identity(loc);
    c.tagger_thresholds = fmt::format("{} {} {}", tc.general_threshold, tc.character_threshold, tc.mcut);
    return ok_status();
  }
  void unload_models(const RunContext& c) const override {
    if (c.tagger) c.tagger->unload();
  }

  std::optional<std::string> fingerprint(const FingerprintInputs& in) const override {
    const RunContext& c = in.context;
    if (!c.tagger) return std::nullopt;
    return stage_fingerprint({kStageTagger, in.item.item.hash, c.tagger_identity, c.tagger_thresholds});
  }

  StageOutput compute(const StageInput& in) const override { return std::move(compute_batch({&in, 1})[0]); }

  // The batch's images in one tensor, one call.
  std::vector<StageOutput> compute_batch(std::span<const StageInput> in) const override {
    if (in.empty()) return {};
    Tagger& t = *in[0].context.tagger;
    std::vector<float> tensor(t.floats_per_image() * in.size());
    for (size_t k = 0; k < in.size(); ++k) {
      t.prepare_into(*in[k].image, std::span<float>(tensor).subspan(k * t.floats_per_image(), t.floats_per_image()));
    }
    auto predictions = t.run(tensor, int(in.size()));
    std::vector<StageOutput> out;
    for (size_t k = 0; k < in.size(); ++k) {
      if (!predictions) {
        out.push_back(stage_failed(predictions.error().to_string()));
        continue;
      }
      const TagPrediction& p = (*predictions)[k];
      out.push_back(stage_ok(result_text(
          json{{"rating", scores_json(p.rating)}, {"general", scores_json(p.general)}, {"character", scores_json(p.character)}})));
    }
    return out;
  }
};

}  // namespace

const ItemStage& tagger_stage() {
  static const TaggerStage stage;
  return stage;
}

void set_tagger_thresholds(ModelProfile& p, std::optional<float> general, std::optional<float> character, bool mcut) {
  if (general) p.general_threshold = *general;
  if (character) p.character_threshold = *character;
  if (mcut) p.general_mcut = p.character_mcut = true;
}

std::vector<std::pair<std::string, float>> predicted_tags(const TagPrediction& p) {
  std::vector<std::pair<std::string, float>> out;
  for (const auto* list : {&p.character, &p.general}) {
    for (const TagScore& t : *list) out.emplace_back(t.name, t.probability);
  }
  return out;
}

}  // namespace tagforge
