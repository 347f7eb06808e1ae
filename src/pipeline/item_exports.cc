#include "pipeline/item_exports.h"

#include <tbb/parallel_for.h>

#include <chrono>
#include <unordered_set>

#include "core/atomic_file.h"
#include "pipeline/dataset_dedupe.h"
#include "pipeline/export_facts.h"
#include "pipeline/item_stages.h"
#include "pipeline/report.h"
#include "pipeline/stages/quality_stage.h"

namespace tagforge {

namespace {
constexpr size_t kBatch = 256;  // items read before their entries are made
}  // namespace

Status write_item_exports(const RunContext& c, Manifest& m, Scratch& scratch, const ItemSource& items,
                          RunSummary& summary, bool facts_current) {
  const auto start = std::chrono::steady_clock::now();
  auto metadata = MetadataWriters::open(c, m);
  if (!metadata) return metadata.error();
  ReportStats stats(c.config.check.review_tag);
  // The copies dedupe set aside, and the stills the quality gate did, are no training data.
  auto set_aside = set_aside_paths(m);
  if (!set_aside) return set_aside.error();
  auto low_quality = low_quality_paths(m);
  if (!low_quality) return low_quality.error();
  std::unordered_set<std::string>& aside = *set_aside;
  aside.merge(*low_quality);
  // The rows are read in one transaction, a batch at a time; each batch's entries are made on
  // every core (the JSON of the results is most of the work), then added in order.
  struct Ready {
    ItemState item;
    std::string where;
    bool in_metadata = false;
    MetadataWriters::Entries entries;
    std::optional<ExportFacts> facts;  // taken as the items pass left them, or made in flush()
  };
  std::vector<Ready> batch;
  auto flush = [&]() -> Status {
    tbb::parallel_for(size_t{0}, batch.size(), [&](size_t k) {
      Ready& r = batch[k];
      // As the items pass left them (under the same key: nothing they come from changed), or made again.
      if (!r.facts && r.item.exports && r.item.exports->fingerprint == sidecar_key(r.item, c)) {
        r.facts = decode_export_facts(r.item.exports->data);
      }
      if (!r.facts) r.facts = export_facts_of(r.item, c.config);
      if (r.in_metadata) r.entries = metadata->entries_of(*r.facts, r.where, r.item.item.source);
    });
    for (Ready& r : batch) {
      TF_RETURN_IF_ERROR(metadata->add(r.entries));
      if (c.config.exports.report) stats.add(*r.facts, r.item.item, r.where);
    }
    batch.clear();
    return ok_status();
  };
  TF_RETURN_IF_ERROR(m.reading([&]() -> Status {
    Manifest::ResultsInOrder results(m);  // the items come in path order
    Manifest::RecordInOrder facts_rows(m, kExportsRecord);
    TF_RETURN_IF_ERROR(items([&](const ManifestItem& item) -> Status {
      std::optional<std::string> where = item.path;
      if (!c.in_place) {
        auto placed = scratch.placed(item.path);
        if (!placed) return placed.error();
        where = std::move(*placed);
      }
      if (!where) return ok_status();  // not placed: not in the output
      std::optional<ExportFacts> facts;
      if (facts_current) {  // the row alone: the item's results are not read
        auto row = facts_rows.of(item.path);
        if (!row) return row.error();
        if (*row) facts = decode_export_facts((*row)->data);
      }
      ItemState loaded;
      if (facts) {
        loaded.item = item;
      } else {
        auto it = load_item(results, item, c);
        if (!it) return it.error();
        loaded = std::move(*it);
      }
      batch.push_back(Ready{std::move(loaded), std::move(*where), !aside.count(item.path), {}, std::move(facts)});
      return batch.size() == kBatch ? flush() : ok_status();
    }));
    return flush();
  }));
  TF_RETURN_IF_ERROR(metadata->commit());
  summary.phase_seconds["export"] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!c.config.exports.report) return ok_status();
  auto html = report_html(c, m, summary, std::move(stats));
  if (!html) return html.error();
  return write_file_atomic(c.out / "report.html", *html, Overwrite::kReplace);
}

}  // namespace tagforge
