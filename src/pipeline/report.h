// report.html: a self-contained page (no scripts, no outside files) that a
// person would rather look at than read: what each stage did and how long it
// took, the caption scores' histogram, the most frequent tags, the NSFW
// distribution, and the flagged items' thumbnails with their caption and
// what the scorer found missing.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/export.h"
#include "pipeline/item_stages.h"
#include "pipeline/run.h"
#include "pipeline/run_context.h"

namespace tagforge {

// What the page counts, gathered as the items go by (it keeps counts, the
// scores and the flagged items' indices, not the items).
class ReportStats {
 public:
  void add(const ItemState& item, size_t index, const RunContext& context);

 private:
  friend Result<std::string> report_html(const RunContext&, Manifest&, const std::vector<ManifestItem>&,
                                         const ExportReport&, const RunSummary&, ReportStats);
  std::vector<double> overall_, nsfw_;
  std::map<std::string, size_t> tag_counts_;
  std::vector<std::pair<double, size_t>> flagged_;  // score, index into the items
};

// The page; the flagged items shown are read from the manifest again.
Result<std::string> report_html(const RunContext& context, Manifest& manifest, const std::vector<ManifestItem>& items,
                                const ExportReport& placed, const RunSummary& summary, ReportStats stats);

}  // namespace tagforge
