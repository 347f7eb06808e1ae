// One batch of items through the per-item stages (stages/registry.cc):
// results whose fingerprint still matches are taken from the manifest, the
// rest are computed (each image decoded at most once, the stages that read
// only the image at once, a batched model once per batch), and the item's
// sidecars are written from the results (item_sidecars.h).
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "pipeline/item_sidecars.h"
#include "pipeline/item_state.h"
#include "pipeline/manifest.h"
#include "pipeline/run_context.h"
#include "pipeline/stages/item_stage.h"

namespace tagforge {

// Whether a result the manifest holds is computed again though nothing it
// was computed from changed: a transient failure always; the item's own
// failure with [run] retry_failed; a fallback unless [run] accept_fallbacks
// or [run] fallback_runs runs in a row have fallen back (StageResult::retry).
bool must_retry(const StageResult& result, const RunSection& run);
// Some result of the item is a fallback that the next run computes again.
bool falls_back(const ItemState& item, const RunSection& run);

// An item as the manifest holds it, every stage result loaded (for the
// exports and the report, which read items one at a time).
Result<ItemState> load_item(Manifest& manifest, const ManifestItem& item, const RunContext& context);
// The same from a pass over the results in path order (items asked for in bytewise order).
Result<ItemState> load_item(Manifest::ResultsInOrder& results, const ManifestItem& item, const RunContext& context);

// Runs the enabled stages of `batch`. `cached[i]` holds item i's rows from
// the manifest. Never throws; errors are recorded per item and stage.
void process_batch(std::vector<ItemState>& batch, std::span<const std::map<std::string, StageResult>> cached,
                   const RunContext& context);

}  // namespace tagforge
