// What the exports take from one item: its entries in the metadata files and
// its share of the report's counts. Made from the item's results (JSON parsed
// and composed) when its sidecars are written, and kept in the manifest as the
// `exports` row under the sidecars' key (sidecar_key: every result, the config,
// the data files): a later run's export whose key is the same reads them back
// as a few strings instead of parsing every result again. An item whose sidecars
// are not written (a stage failed) has its row too, made from that run's results
// under the key "unwritten"; the run's export takes each row as the items pass
// left it (item_exports.h).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "pipeline/item_stages.h"

namespace tagforge {

// The manifest's row (beside the sidecars record) of an item's ExportFacts.
inline constexpr const char* kExportsRecord = "exports";

struct ExportFacts {
  bool complete = false;          // written whole, with something to train on: in the metadata files
  std::string kohya_entry;        // {"caption":…,"tags":…}
  std::string hf_fields;          // "text":…,"tags":…,"score":…,"flagged":…[,"nsfw":…]: a line without
                                  // its braces, "file_name" (first) and "source" (last)
  std::optional<double> overall;  // scored, with tags or a caption of its own
  bool flagged = false;
  std::string tag_text;           // the final tags, when scored
  std::optional<double> nsfw;
  std::string caption_source;     // how the report counts it; "" without a caption
  std::string llm_outcome;        // "" when the LLM was not asked
  size_t llm_requests = 0;
  std::string quality_faults;     // a still's faults by the quality gate ("; " between them); "" when it passes

  bool operator==(const ExportFacts&) const = default;
};

ExportFacts export_facts_of(const ItemState& item, const RunConfig& config);

// Length-prefixed fields: read back exactly (numbers to the last bit), no JSON.
std::string encode_export_facts(const ExportFacts& facts);
std::optional<ExportFacts> decode_export_facts(std::string_view data);

}  // namespace tagforge
