// One item as a pass holds it: its files, its own sidecars' text, and every
// stage's result (computed or taken from the manifest); and what the results
// say when read together: the tags and the caption as they stand now (a
// person's edits included), the detections, the .aseg, whether it is flagged.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/manifest.h"
#include "pipeline/review_edit.h"
#include "pipeline/stage_options.h"
#include "vision/aseg.h"

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

// The result's JSON, parsed the first time it is asked for. REQUIRES: it did not fail.
const nlohmann::ordered_json& stage_json(const StageResult& result);

// A stage's result when it is there and did not fail; else null.
const StageResult* stage_result(const ItemState& item, const char* stage);

// The entries of a tag line as format_tags writes it (", " between them).
std::vector<std::string> tag_line_entries(std::string_view line);

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

// A box as a stage's result keeps it, [x0, y0, x1, y1] in pixels, and back.
nlohmann::ordered_json box_json(const Box& box);
Box box_from_json(const nlohmann::ordered_json& json);

// The detect stage's detections, and the size of the image they are boxes of
// (left alone when the item has none).
std::vector<Detection> detections_of(const ItemState& item, int* width, int* height);

// The item's .aseg as its results say: detections, the subject mask, the
// checks; none when it has neither detections nor a mask.
std::optional<Aseg> aseg_of(const ItemState& item);

// No tags from any source and no caption of its own: the item has no tag or
// caption file, is never flagged, and is left out of the training metadata.
// REQUIRES: the item's tags are there.
bool untagged(const ItemState& item);

// A check's review mark among the tags of a tag line (", "-separated).
bool has_review_mark(std::string_view tag_line, const std::string& review_tag);

// Its caption's score, a check against the pixels or the quality gate
// flagged it for review (never when untagged). Never when a person approved it.
bool flagged(const ItemState& item, const RunConfig& config);

}  // namespace tagforge
