#include "pipeline/stages/caption_stage.h"

#include "pipeline/content_hash.h"
#include "pipeline/stages/caption_llm.h"

namespace tagforge {

namespace {

using json = nlohmann::ordered_json;

class CaptionStage : public ItemStage {
 public:
  const char* name() const override { return kStageCaption; }
  std::vector<const char*> inputs(const RunContext& c) const override {
    if (c.llm) return {kStageTags, kStageCheck, kStageNsfw};  // the NSFW score routes it
    return {kStageTags, kStageCheck};
  }
  // An LLM's answers take seconds: the batch's requests go out together (each endpoint keeps its own limit).
  bool asks_a_server(const RunContext& c) const override { return c.llm != nullptr; }

  // Made from the stages' tags, not a person's: editing tags never rewrites it. An LLM's
  // caption also depends on the prompts, and on the NSFW score that routes it.
  std::optional<std::string> fingerprint(const FingerprintInputs& in) const override {
    const RunContext& c = in.context;
    const std::string tags = in.of(kStageCheck).empty() ? in.of(kStageTags) : in.of(kStageCheck);
    const std::optional<std::string>& own = in.item.existing_caption;
    return stage_fingerprint({kStageCaption, tags, c.section("caption"), c.lexicon_identity,
                              own ? hash_bytes(*own) : "generated",
                              c.llm ? c.prompts_identity + in.of(kStageNsfw) : ""});
  }

  StageOutput compute(const StageInput& in) const override {
    const ItemState& it = in.item;
    const RunContext& c = in.context;
    auto text = [](const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); };
    if (it.existing_caption) return stage_ok(text(json{{"caption", *it.existing_caption}, {"source", "sidecar"}}));
    const TagList list = parse_tag_list(stage_tags(it), c.engine->db, "sidecar");
    const CaptionOptions opt = caption_options_of(c.config);
    std::string caption = caption_from_tags(list, c.engine->db, *c.lexicon, opt);
    if (!c.llm) return stage_ok(text(json{{"caption", caption}, {"source", "tags"}}));
    bool fell_back = false;
    json answer = llm_caption_result(in, list, std::move(caption), opt, &fell_back);
    return stage_ok(text(answer), fell_back);
  }
};

}  // namespace

const ItemStage& caption_stage() {
  static const CaptionStage stage;
  return stage;
}

CaptionOptions caption_options_of(const RunConfig& config) {
  CaptionOptions opt;
  opt.trigger = config.caption.trigger;
  opt.artist = config.caption.artist;
  opt.keep_unknown = config.caption.keep_unknown;
  return opt;
}

}  // namespace tagforge
