#include "pipeline/stages/tags_stage.h"

#include "pipeline/content_hash.h"

namespace tagforge {

namespace {

using json = nlohmann::ordered_json;

class TagsStage : public ItemStage {
 public:
  const char* name() const override { return kStageTags; }
  std::vector<const char*> inputs(const RunContext&) const override { return {kStageTagger}; }

  void add_options(OptionTable& table, RunConfig& config) const override {
    TagConfig& c = config.tag;
    OptionSection t{table, "tag"};
    t.add("extension", "Tag sidecar extension (kohya's caption_extension)", &c.extension);
    t.add("general_threshold", "Keep general tags above this (-1: the model's own)", &c.general_threshold,
          std::pair{-1.0, 1.0});
    t.add("character_threshold", "Keep character tags above this (-1: the model's own)", &c.character_threshold,
          std::pair{-1.0, 1.0});
    t.add("mcut", "MCut picks both thresholds (the character one never under 0.15)", &c.mcut);
  }

  std::optional<std::string> fingerprint(const FingerprintInputs& in) const override {
    return stage_fingerprint(
        {kStageTags, in.of(kStageTagger), hash_bytes(in.item.existing_tags), in.context.engine_identity});
  }

  StageOutput compute(const StageInput& in) const override {
    const ItemState& it = in.item;
    std::vector<std::pair<std::string, float>> predicted;
    std::string source = "tagger";
    if (const StageResult* t = stage_result(it, kStageTagger)) {
      const json& j = stage_json(*t);
      for (const char* part : {"character", "general"}) {
        for (const auto& [name, p] : j[part].items()) predicted.emplace_back(name, p.get<float>());
      }
      source = in.context.tagger->profile().name;
    }
    json data{{"tags", merged_tag_line(it.existing_tags, predicted, source, *in.context.engine)}};
    if (!it.existing_tags.empty()) data["own"] = it.existing_tags;  // the input's, for whoever reads the row alone
    return stage_ok(result_text(data));
  }
};

}  // namespace

const ItemStage& tags_stage() {
  static const TagsStage stage;
  return stage;
}

std::string merged_tag_line(std::string_view own, const std::vector<std::pair<std::string, float>>& predicted,
                            const std::string& source, const TagEngine& engine) {
  return format_tags(merge_with_tagger(own, predicted, source, engine), engine.db, FormatOptions{});
}

}  // namespace tagforge
