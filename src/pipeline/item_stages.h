// One batch of items through the per-item stages: results whose
// fingerprint still matches are taken from the manifest, the rest are
// computed (each image decoded at most once, the tagger run once per batch),
// and the item's sidecars are written from the results: the tag file (tags,
// quality tags, the review mark), the caption, the .aseg and the mask. The
// same results always give the same bytes.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/manifest.h"
#include "pipeline/review_edit.h"
#include "pipeline/run_context.h"
#include "tagforge/score.h"

namespace tagforge {

struct ItemState {
  ManifestItem item;           // path (relative to the work folder), hash, kind, source
  std::filesystem::path file;  // in the work folder
  std::string existing_tags;   // the input's tag sidecar ("" when none)
  std::optional<std::string> existing_caption;  // the input's caption sidecar: kept and scored, not replaced

  std::map<std::string, StageResult> results;  // every stage's result: taken or computed
  std::vector<std::string> computed;           // the stages computed by this pass
  std::vector<std::string> reused;             // the stages taken from the manifest
  std::map<std::string, std::string> errors;   // stage (or "decode", "write") -> message
  // The sidecars this pass wrote (or found right), as the manifest records them (kSidecarsRecord).
  std::optional<StageResult> sidecars;
  // The export's facts (export_facts.h, kExportsRecord): as the manifest holds them when
  // loaded. A pass that writes the outputs leaves the item's current ones here, made anew
  // when `exports_made` (also when its sidecars could not be written: this run's results).
  std::optional<StageResult> exports;
  bool exports_made = false;
};

// The manifest's row (a results row beside the stages') of what an item's sidecars were
// written from and their stamps after: a pass that finds both unchanged reads no sidecar.
inline constexpr const char* kSidecarsRecord = "sidecars";

// Whether a result the manifest holds is computed again though nothing it
// was computed from changed: a transient failure always; the item's own
// failure with [run] retry_failed; a fallback unless [run] accept_fallbacks
// or [run] fallback_runs runs in a row have fallen back (StageResult::retry).
bool must_retry(const StageResult& result, const RunSection& run);
// Some result of the item is a fallback that the next run computes again.
bool falls_back(const ItemState& item, const RunSection& run);

// The result's JSON, parsed the first time it is asked for. REQUIRES: it did not fail.
const nlohmann::ordered_json& stage_json(const StageResult& result);

// A stage's result when it is there and did not fail; else null.
const StageResult* stage_result(const ItemState& item, const char* stage);

// The hash of what a stage's result was computed from (with the stages'
// version, so a change in how stages compute re-runs them).
std::string stage_fingerprint(std::initializer_list<std::string_view> parts);

// The entries of a tag line as format_tags writes it (", " between them).
std::vector<std::string> tag_line_entries(std::string_view line);

// An item as the manifest holds it, every stage result loaded (for the
// exports and the report, which read items one at a time).
Result<ItemState> load_item(Manifest& manifest, const ManifestItem& item, const RunContext& context);
// The same from a pass over the results in path order (items asked for in bytewise order).
Result<ItemState> load_item(Manifest::ResultsInOrder& results, const ManifestItem& item, const RunContext& context);

// The score stage's result for the item as it is now (its tags and caption,
// a person's edits included). REQUIRES: c.engine and c.lexicon.
std::string score_result_data(const ItemState& item, const RunContext& context);

// How captions are scored: [caption] and [score] as the scorer takes them.
ScoreOptions score_options_of(const RunConfig& config);

// Runs the enabled stages of `batch`. `cached[i]` holds item i's rows from
// the manifest. Never throws; errors are recorded per item and stage.
void process_batch(std::vector<ItemState>& batch, std::span<const std::map<std::string, StageResult>> cached,
                   const RunContext& context);

// A person's edits and approval (review_edit.h); none when the item has no review row.
ReviewEdit review_edit_of(const ItemState& item);

// The tags after the check (when there is one), as formatted text, less any
// the LLM caption corrected ([caption.llm] correct_tags): what the stages say.
// The caption is made from these. REQUIRES: the item's tags are there.
std::string stage_tags(const ItemState& item);
// The same, or a person's edited tags when there are: the tag file, the score.
std::string current_tags(const ItemState& item);

// The caption stage's caption (a person's edit left out).
// REQUIRES: the item's caption is there.
std::string stage_caption(const ItemState& item);
// The caption the caption file holds: a person's edited one, else the caption stage's.
// REQUIRES: the item's caption is there (or an edited one).
std::string final_caption(const ItemState& item);

// The tag file's text: the final tags, then the quality tags (approved
// items: auto_best_caption, accuracy_90_up), and the review mark when the
// score or a check flagged the item; empty for an untagged item.
// REQUIRES: the item's score is there.
std::string final_tag_text(const ItemState& item, const RunConfig& config);

// The sidecars of `item` as its results say (tag file, caption file, .aseg),
// each written atomically and only when its bytes change. Returns the files
// written or removed. REQUIRES: every stage result the item needs is there.
Result<std::vector<std::filesystem::path>> write_item_sidecars(const ItemState& item, const RunConfig& config);

// What the item's sidecars are made from (every result, the options, the data files): equal
// keys, equal sidecars. And the stamps of the files write_item_sidecars manages ("-": none),
// stat'ed from `folder`, a handle of the item's folder (-1: each by its whole path).
std::string sidecar_key(const ItemState& item, const RunContext& context);
std::string sidecar_stamps(const ItemState& item, const RunConfig& config, int folder);

// IMAGE with its extension replaced (".txt", ".caption").
std::filesystem::path sidecar_path(const std::filesystem::path& image, const std::string& extension);

// No tags from any source and no caption of its own: the item has no tag or
// caption file, is never flagged, and is left out of the training metadata.
// REQUIRES: the item's tags are there.
bool untagged(const ItemState& item);

// Its caption's score or a check against the pixels flagged it for review
// (never when untagged).
// A check's review mark among the tags of a tag line (", "-separated).
bool has_review_mark(std::string_view tag_line, const std::string& review_tag);

// Never when a person approved it.
bool flagged(const ItemState& item, const RunConfig& config);

}  // namespace tagforge
