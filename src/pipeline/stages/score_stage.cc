#include "pipeline/stages/score_stage.h"

#include "pipeline/content_hash.h"

namespace tagforge {

namespace {

using json = nlohmann::ordered_json;

class ScoreStage : public ItemStage {
 public:
  const char* name() const override { return kStageScore; }
  std::vector<const char*> inputs(const RunContext&) const override {
    return {kStageCaption, kStageTags, kStageCheck, kStageDetect};
  }

  void add_options(OptionTable& table, RunConfig& config) const override {
    ScoreConfig& c = config.score;
    OptionSection t{table, "score"};
    t.add("flag_below", "Flag an item for review when its caption's overall score is below this", &c.flag_below, kUnitRange);
    t.add("quality_tags", "Add the score's quality tags (auto_good_caption, accuracy_70, …) to the tag file",
          &c.quality_tags);
  }

  // A person's edited tags or caption are scored in place of the stages'.
  std::optional<std::string> fingerprint(const FingerprintInputs& in) const override {
    const RunContext& c = in.context;
    const std::string edited_tags = in.edit.tags ? "edited " + hash_bytes(*in.edit.tags) : "";
    const std::string edited_caption = in.edit.caption ? "edited " + hash_bytes(*in.edit.caption) : "";
    return stage_fingerprint({kStageScore, in.of(kStageCaption) + edited_caption, in.of_checked_tags() + edited_tags,
                              in.of(kStageDetect), c.section("score"), c.section("caption")});
  }

  StageOutput compute(const StageInput& in) const override { return stage_ok(score_result_data(in.item, in.context)); }
};

}  // namespace

const ItemStage& score_stage() {
  static const ScoreStage stage;
  return stage;
}

std::string score_result_data(const ItemState& it, const RunContext& c) {
  const TagList list = parse_tag_list(current_tags(it), c.engine->db, "sidecar");
  const ScoreOptions opt = score_options_of(c.config);
  std::optional<Detections> found;
  if (stage_result(it, kStageDetect)) {
    int w = 0, h = 0;
    found.emplace();
    found->persons = found->faces = 0;
    for (const Detection& d : detections_of(it, &w, &h)) {
      found->persons += d.label == "person";
      found->faces += d.label == "face";
      found->parts.push_back(d.label);
    }
  }
  const CaptionScore s = score_caption(final_caption(it), list, c.engine->db, *c.lexicon, opt, found ? &*found : nullptr);
  return result_text(json{{"tag_inclusion", s.tag_inclusion},
              {"english_similarity", s.english_similarity},
              {"segmentation", s.segmentation ? json(*s.segmentation) : json(nullptr)},
              {"overall", s.overall},
              {"missing", s.missing},
              {"contradicted", s.contradicted},
              {"extra", s.extra},
              {"quality_tags", s.quality_tags},
              {"flagged", s.flagged}});
}

ScoreOptions score_options_of(const RunConfig& config) {
  ScoreOptions opt;
  opt.caption.trigger = config.caption.trigger;
  opt.caption.artist = config.caption.artist;
  opt.flag_below = config.score.flag_below;
  opt.quality_tags = config.score.quality_tags;
  return opt;
}

}  // namespace tagforge
