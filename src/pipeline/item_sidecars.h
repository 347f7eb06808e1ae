// The files beside an item that a run writes from its results: the tag file
// (tags, quality tags, the review mark), the caption and the .aseg; and the
// keys that tell a later pass they are still right. The same results always
// give the same bytes.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/item_state.h"
#include "tagforge/error.h"

namespace tagforge {

struct RunContext;

// The manifest's row (a results row beside the stages') of what an item's sidecars were
// written from and their stamps after: a pass that finds both unchanged reads no sidecar.
inline constexpr const char* kSidecarsRecord = "sidecars";

// IMAGE with its extension replaced (".txt", ".caption").
std::filesystem::path sidecar_path(const std::filesystem::path& image, const std::string& extension);

// Writes `text` to `file` (atomically) unless the file already holds exactly it;
// `*changed` says whether it did.
Status write_if_changed(const std::filesystem::path& file, const std::string& text, bool* changed = nullptr);

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

}  // namespace tagforge
