// report.html: a self-contained page (no scripts, no outside files) that a
// person would rather look at than read: what each stage did and how long it
// took, the caption scores' histogram, the most frequent tags, the NSFW
// distribution, and the flagged items' thumbnails with their caption and
// what the scorer found missing.
#pragma once

#include <string>
#include <vector>

#include "pipeline/export.h"
#include "pipeline/item_stages.h"
#include "pipeline/run.h"
#include "pipeline/run_context.h"

namespace tagforge {

// Writes OUT/report.html atomically. `items`: this run's images and frames,
// read from the manifest one at a time (the page keeps counts, not items).
Status write_report(const RunContext& context, Manifest& manifest, const std::vector<ManifestItem>& items,
                    const ExportReport& placed, const RunSummary& summary);

// The page itself.
Result<std::string> report_html(const RunContext& context, Manifest& manifest, const std::vector<ManifestItem>& items,
                                const ExportReport& placed, const RunSummary& summary);

}  // namespace tagforge
