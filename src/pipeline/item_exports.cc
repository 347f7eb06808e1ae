#include "pipeline/item_exports.h"

#include <chrono>

#include "core/atomic_file.h"
#include "pipeline/item_stages.h"
#include "pipeline/report.h"

namespace tagforge {

Status write_item_exports(const RunContext& c, Manifest& m, const std::vector<ManifestItem>& items,
                          const ExportReport& placed, RunSummary& summary) {
  const auto start = std::chrono::steady_clock::now();
  auto metadata = MetadataWriters::open(c);
  if (!metadata) return metadata.error();
  ReportStats stats;
  for (size_t i = 0; i < items.size(); ++i) {
    auto where = placed.placed.find(items[i].path);
    if (where == placed.placed.end()) continue;  // not placed: not in the output
    auto it = load_item(m, items[i], c);
    if (!it) return it.error();
    TF_RETURN_IF_ERROR(metadata->add(*it, where->second));
    if (c.config.exports.report) stats.add(*it, i, c);
  }
  TF_RETURN_IF_ERROR(metadata->commit());
  summary.phase_seconds["export"] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!c.config.exports.report) return ok_status();
  auto html = report_html(c, m, items, placed, summary, std::move(stats));
  if (!html) return html.error();
  return write_file_atomic(c.out / "report.html", *html, Overwrite::kReplace);
}

}  // namespace tagforge
