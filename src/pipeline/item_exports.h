// The last step of a run or a merge: one pass over the items (read back from
// the manifest one at a time) feeds the metadata files and the report's
// counts; then the report is written.
#pragma once

#include <functional>

#include "pipeline/export.h"
#include "pipeline/manifest.h"
#include "pipeline/run.h"
#include "pipeline/run_context.h"
#include "pipeline/scratch.h"

namespace tagforge {

// Calls its visitor with each of the images and frames to export, in bytewise path order.
using ItemSource = std::function<Status(const std::function<Status(const ManifestItem&)>&)>;

// Where each item is in OUT comes from `scratch` (the export's plan); in place,
// it is where it was. The report's own time is added to `summary` before it is written.
//
// `facts_current`: the items pass has just left each item's exports row current (run.cc), so
// a row is taken as it is, without reading the item's results to check its key; an item
// without one is made from its results. Otherwise (a merge) every row is checked.
Status write_item_exports(const RunContext& context, Manifest& manifest, Scratch& scratch, const ItemSource& items,
                          RunSummary& summary, bool facts_current = false);

}  // namespace tagforge
