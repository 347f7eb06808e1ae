// A vision LLM's caption, held against the tags (issue 9, stage 1):
//
//   1. route: an item whose NSFW score is at least `nsfw_threshold` goes only
//      to the local endpoint (remote services refuse or ban); one below it to
//      the remote one when there is one, else to the local one; one without a
//      score (no NSFW classifier) to the local one when there is one;
//   2. ask, with the deterministic caption and the tags in the prompt
//      (templates in data/prompts/, overridable);
//   3. score the answer against the tags (score_caption); below
//      `loop_threshold`, ask again with what it missed and contradicted, fewer
//      tags in another order and a new seed, up to `max_loopbacks` times;
//   3b. (`correct_tags`) a tag that only a tagger gave, below `correct_below`
//      confidence, that every answer (two at least) contradicted, is dropped:
//      the LLM saw better; the answers are scored again without it, and the
//      deterministic caption is remade without it;
//   4. (stage 2) still below `stage2_threshold`: caption each tile of an N×N
//      grid (made by the caller, tiles()), each with its own tags when the
//      caller has a tagger, and compose a caption by position ("In the upper
//      left, …") and by the person whose box owns the tile; score it;
//   5. keep the best caption when it scores at least `stage2_threshold`,
//      else the deterministic caption, with the reason;
//   6. (stage 3, `rewrite`) a kept LLM caption is smoothed by the same
//      endpoint as text only; key facts the rewrite lost (the subject count,
//      hair and eye colours, clothing, pose) are put back as a sentence the
//      grammar makes from those tags, and the rewrite is kept only when it
//      scores at least as well as the caption it came from.
//
// Every attempt (its seed, score, what it missed, its error) is in the
// outcome, for the manifest. Nothing here throws; a server that fails ends in
// the deterministic caption.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "caption/llm_client.h"
#include "tagforge/caption.h"
#include "tagforge/lexicon.h"
#include "tagforge/score.h"
#include "tagforge/tags.h"

namespace tagforge {

// [caption.llm] and its two endpoints ([caption.llm.local], [caption.llm.remote]).
struct LlmCaptionConfig {
  LlmEndpoint local, remote;     // an empty base_url: not configured
  double nsfw_threshold = 0.5;
  double loop_threshold = 0.6;
  int max_loopbacks = 3;
  double stage2_threshold = 0.5;
  bool rewrite = true;
  bool correct_tags = false;
  double correct_below = 0.5;
  int grid = 2;               // stage 2's tiles per side; below 2: no stage 2
  double tile_overlap = 0.1;  // of a cell's side (vision/tiles.h)
  double tile_blur = 0.05;    // of a tile's side
  std::string prompts;           // folder of templates; empty: data/prompts
  double temperature = 0.4;
  int seed = 0;                  // -1: none sent
  int image_side = 768;
  int max_tokens = 400;
  bool enabled() const { return !local.base_url.empty() || !remote.base_url.empty(); }
};

// The prompt templates: {tags}, {caption}, {previous}, {missing} and
// {contradicted} are replaced.
struct PromptTemplates {
  std::string system, stage1, loopback, quadrant, rewrite;
  // Reads stage1_system.txt, stage1.txt, loopback.txt, quadrant.txt ({position},
  // {tags}) and rewrite.txt from `dir`; an error names the missing file.
  static Result<PromptTemplates> load(const std::filesystem::path& dir);
  std::string identity() const;  // for fingerprints: a change re-captions
};

struct LlmAttempt {
  std::string endpoint;  // "local" or "remote"
  int64_t seed = -1;
  std::string caption;   // empty when it failed or refused
  double overall = 0;
  std::vector<std::string> missing, contradicted;
  std::string error;     // the request's failure, "refused", "no caption in the answer"
  bool request_failed = false;  // no answer came (after the client's retries)
  bool transient = false;       // the failure may pass (LlmCaptioner::ask)
};

// Stage 2: one tile as the caller made it, and what the LLM said of it.
struct LlmTile {
  std::string position;  // "upper left"
  std::string owner;     // "the person on the left"; empty: no person's box owns it
  std::string jpeg;
  std::string tags;      // the tile's own tags (a tagger's), or empty for the image's
  std::string caption;   // filled in: the answer
  std::string error;
};

struct LlmStage2 {
  std::vector<LlmTile> tiles;  // without their JPEGs
  std::string caption;         // composed; empty when no tile was captioned
  double overall = 0;
};

// Stage 3: what the rewrite made of the kept caption.
struct LlmRewrite {
  std::string text;        // as the LLM wrote it
  std::string reapplied;   // the sentence that put lost key facts back; empty: none lost
  double overall = 0;      // of text + reapplied
  bool kept = false;       // it replaced the stage-one caption
  std::string error;
  bool transient = false;  // the failure may pass (LlmCaptioner::ask)
};

// A tag dropped because the LLM consistently said otherwise (`correct_tags`).
struct TagCorrection {
  std::string tag;
  float confidence = 0;
  int contradicted = 0;  // answers that contradicted it, of
  int answers = 0;
};

struct LlmCaptionOutcome {
  std::string caption;
  bool from_llm = false;
  std::string reason;  // why the deterministic caption was kept; empty when the LLM's was
  double overall = 0;  // the kept caption's score
  std::vector<LlmAttempt> attempts;
  std::vector<TagCorrection> corrected;
  std::optional<LlmStage2> stage2;
  std::optional<LlmRewrite> rewrite;
  // A fallback that a later run may do better: no answer could be judged
  // because the endpoint failed (down, timeouts, 429/5xx, malformed answers),
  // or the kept caption's rewrite failed so. Not for a refusal, a low score or
  // a route with no endpoint: asking again gives the same.
  bool transient = false;
};

// What one item brings.
struct LlmCaptionItem {
  const TagList* tags = nullptr;
  std::string deterministic;  // caption_from_tags
  std::string image_jpeg;
  double nsfw = -1;           // < 0: not classified
  CaptionOptions caption_options;              // how `deterministic` was made (to remake it)
  std::map<std::string, float> tagger_only;    // tags only a tagger gave (not the input's), with their confidence
  // Stage 2's tiles, made only when stage 2 runs; empty: no stage 2.
  std::function<std::vector<LlmTile>()> tiles;
};

class LlmCaptioner {
 public:
  // Clients for the configured endpoints; an error names the endpoint.
  static Result<std::unique_ptr<LlmCaptioner>> open(const LlmCaptionConfig& config, PromptTemplates prompts,
                                                    const TagDb& db, const Lexicon& lexicon,
                                                    const ScoreOptions& score);
  // Thread-safe: requests run concurrently up to each endpoint's limit.
  LlmCaptionOutcome caption(const LlmCaptionItem& item) const;

 private:
  // The endpoint the item may go to (null: none may take it); `name` is "local" or "remote".
  LlmClient* route(const LlmCaptionItem& item, std::string* name) const;
  // One request with the config's sampling and the caption schema (`seed` < 0: none sent): the
  // caption it brought, or "" with `error` set (and `request_failed` when no answer came at all,
  // `transient` when the failure may pass: no answer for a retryable reason, or one that held no caption).
  std::string ask(LlmClient& client, ChatRequest request, int64_t seed, std::string& error,
                  bool* request_failed = nullptr, bool* transient = nullptr) const;
  // Asks and asks again while below loop_threshold; returns the best attempt's index, -1 for none.
  int stage_one(const LlmCaptionItem& item, LlmClient& client, const std::string& name,
                std::vector<LlmAttempt>& attempts) const;
  void rewrite(const LlmCaptionItem& item, LlmClient& client, LlmCaptionOutcome& out) const;
  // Drops consistently contradicted low-confidence tags from `tags`; rescoring is the caller's.
  std::vector<TagCorrection> corrections(const LlmCaptionItem& item, const std::vector<LlmAttempt>& attempts,
                                         TagList& tags) const;
  LlmStage2 quadrants(const LlmCaptionItem& item, LlmClient& client) const;
  LlmCaptioner(const LlmCaptionConfig& c, PromptTemplates p, const TagDb& db, const Lexicon& l, const ScoreOptions& s)
      : c_(c), prompts_(std::move(p)), db_(db), lexicon_(l), score_(s) {}
  LlmCaptionConfig c_;
  PromptTemplates prompts_;
  const TagDb& db_;
  const Lexicon& lexicon_;
  ScoreOptions score_;
  std::unique_ptr<LlmClient> local_, remote_;
};

// Stage 2's caption from its tiles: each owner's tiles first ("The person on
// the left: …"), then the rest by position ("In the upper right, …").
std::string compose_tile_captions(const std::vector<LlmTile>& tiles);

// The caption in an answer: the "caption" of its JSON object when it has
// one, else the whole text without quotes around it; empty for none.
std::string caption_in_answer(const std::string& text);

}  // namespace tagforge
