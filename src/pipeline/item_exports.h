// The last step of a run or a merge: one pass over the items (read back from
// the manifest one at a time) feeds the metadata files and the report's
// counts; then the report is written.
#pragma once

#include <vector>

#include "pipeline/export.h"
#include "pipeline/manifest.h"
#include "pipeline/run.h"
#include "pipeline/run_context.h"

namespace tagforge {

// `items`: this run's images and frames, in path order. The report's own
// time is added to `summary` before it is written.
Status write_item_exports(const RunContext& context, Manifest& manifest, const std::vector<ManifestItem>& items,
                          const ExportReport& placed, RunSummary& summary);

}  // namespace tagforge
