#include "pipeline/item_exports.h"

#include <chrono>
#include <unordered_set>

#include "core/atomic_file.h"
#include "pipeline/dataset_dedupe.h"
#include "pipeline/item_stages.h"
#include "pipeline/report.h"

namespace tagforge {

Status write_item_exports(const RunContext& c, Manifest& m, Scratch& scratch, const ItemSource& items,
                          RunSummary& summary) {
  const auto start = std::chrono::steady_clock::now();
  auto metadata = MetadataWriters::open(c, m);
  if (!metadata) return metadata.error();
  ReportStats stats;
  // The copies dedupe set aside are no training data.
  auto set_aside = set_aside_paths(m);
  if (!set_aside) return set_aside.error();
  const std::unordered_set<std::string>& aside = *set_aside;
  // One read transaction for the whole pass: every item's rows are read.
  TF_RETURN_IF_ERROR(m.reading([&] { return items([&](const ManifestItem& item) -> Status {
    std::optional<std::string> where = item.path;
    if (!c.in_place) {
      auto placed = scratch.placed(item.path);
      if (!placed) return placed.error();
      where = std::move(*placed);
    }
    if (!where) return ok_status();  // not placed: not in the output
    auto it = load_item(m, item, c);
    if (!it) return it.error();
    if (!aside.count(item.path)) TF_RETURN_IF_ERROR(metadata->add(*it, *where));
    if (c.config.exports.report) stats.add(*it, *where, c);
    return ok_status();
  }); }));
  TF_RETURN_IF_ERROR(metadata->commit());
  summary.phase_seconds["export"] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!c.config.exports.report) return ok_status();
  auto html = report_html(c, m, summary, std::move(stats));
  if (!html) return html.error();
  return write_file_atomic(c.out / "report.html", *html, Overwrite::kReplace);
}

}  // namespace tagforge
