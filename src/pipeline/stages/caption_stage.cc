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

  void add_options(OptionTable& table, RunConfig& config) const override {
    CaptionConfig& c = config.caption;
    OptionSection t{table, "caption"};
    t.add("extension", "Caption sidecar extension", &c.extension);
    t.add("trigger", "Words that start every caption (a LoRA's trigger)", &c.trigger);
    t.add("artist", "End with \"Art by <artist>.\" when the tags name one", &c.artist);
    t.add("keep_unknown", "Tags the lexicon does not know: listed after \"Also:\" (true) or left out", &c.keep_unknown);

    OptionSection llm{table, "caption.llm"};
    LlmCaptionConfig& l = c.llm;
    llm.add("nsfw_threshold", "Items whose NSFW score is at least this go only to the local endpoint", &l.nsfw_threshold,
            kUnitRange);
    llm.add("loop_threshold", "Ask again (with what was missed) while the LLM caption scores below this",
            &l.loop_threshold, kUnitRange);
    llm.add("max_loopbacks", "Most times an item is asked again", &l.max_loopbacks, std::pair{0.0, 20.0});
    llm.add("stage2_threshold", "Below this after the loopbacks: the deterministic caption is kept", &l.stage2_threshold,
            kUnitRange);
    llm.add("correct_tags", "Drop a tag only a tagger gave (below correct_below) that every LLM answer contradicted",
            &l.correct_tags);
    llm.add("correct_below", "The confidence under which a tagger's tag may be corrected by the LLM", &l.correct_below,
            kUnitRange);
    llm.add("grid", "Stage 2: below stage2_threshold, caption an N×N grid of tiles and compose (below 2: off)", &l.grid,
            std::pair{0.0, 8.0});
    llm.add("tile_overlap", "Stage 2: how far a tile reaches into its neighbours, as a share of a cell", &l.tile_overlap,
            std::pair{0.0, 0.5});
    llm.add("tile_blur", "Stage 2: the blurred band along a tile's inner edges, as a share of the tile", &l.tile_blur,
            std::pair{0.0, 0.25});
    llm.add("rewrite", "Stage 3: the LLM smooths the kept caption (text only); key facts it loses are put back",
            &l.rewrite);
    llm.add("prompts", "Folder of prompt templates (stage1_system.txt, stage1.txt, loopback.txt, quadrant.txt, rewrite.txt); "
                       "empty: data/prompts", &l.prompts);
    llm.add("temperature", "Sampling temperature", &l.temperature, std::pair{0.0, 2.0});
    llm.add("seed", "Seed of the first request (each loopback adds one); -1: none sent", &l.seed,
            std::pair{-1.0, 2147483647.0});
    llm.add("image_side", "Long side of the image sent, in pixels", &l.image_side, std::pair{64.0, 4096.0});
    llm.add("max_tokens", "Most tokens in an answer", &l.max_tokens, std::pair{16.0, 8192.0});
    for (auto [name, e] : {std::pair{"caption.llm.local", &l.local}, std::pair{"caption.llm.remote", &l.remote}}) {
      OptionSection ep{table, name};
      ep.add("base_url", "OpenAI-compatible endpoint, up to /v1 (empty: none)", &e->base_url);
      ep.add("model", "Model name the server knows", &e->model);
      ep.add("api_key_env", "Name of the environment variable that holds the API key (empty: none)", &e->api_key_env);
      ep.add("json_schema", "Ask for JSON by schema (response_format); dropped by itself where unsupported",
             &e->json_schema);
      ep.add_transport("timeout_s", "Seconds an answer may take", &e->timeout_s, std::pair{0.1, 3600.0});
      ep.add_transport("max_concurrent", "Requests in flight to this endpoint", &e->max_concurrent,
                       std::pair{1.0, 1024.0});
      ep.add_transport("max_retries", "Retries after 429, 5xx, timeouts and dropped connections", &e->max_retries,
                       std::pair{0.0, 20.0});
      ep.add_transport("backoff_s", "First retry's wait (doubles each time, with jitter)", &e->backoff_s,
                       std::pair{0.0, 60.0});
    }
  }

  // Made from the stages' tags, not a person's: editing tags never rewrites it. An LLM's
  // caption also depends on the prompts, and on the NSFW score that routes it.
  std::optional<std::string> fingerprint(const FingerprintInputs& in) const override {
    const RunContext& c = in.context;
    const std::optional<std::string>& own = in.item.existing_caption;
    return stage_fingerprint({kStageCaption, in.of_checked_tags(), c.section("caption"), c.lexicon_identity,
                              own ? hash_bytes(*own) : "generated",
                              c.llm ? c.prompts_identity + in.of(kStageNsfw) : ""});
  }

  StageOutput compute(const StageInput& in) const override {
    const ItemState& it = in.item;
    const RunContext& c = in.context;
    if (it.existing_caption) return stage_ok(result_text(json{{"caption", *it.existing_caption}, {"source", "sidecar"}}));
    const TagList list = parse_tag_list(stage_tags(it), c.engine->db, "sidecar");
    const CaptionOptions opt = caption_options_of(c.config);
    std::string caption = caption_from_tags(list, c.engine->db, *c.lexicon, opt);
    if (!c.llm) return stage_ok(result_text(json{{"caption", caption}, {"source", "tags"}}));
    bool fell_back = false;
    json answer = llm_caption_result(in, list, std::move(caption), opt, &fell_back);
    return stage_ok(result_text(answer), fell_back);
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
