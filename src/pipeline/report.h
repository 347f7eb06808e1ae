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
#include "pipeline/export_facts.h"
#include "pipeline/item_stages.h"
#include "pipeline/run.h"
#include "pipeline/run_context.h"

namespace tagforge {

// What the page counts, gathered as the items go by: counts per histogram
// bin, per tag, and the flagged items with the lowest scores (those shown),
// so its memory does not grow with the items.
class ReportStats {
 public:
  // `review_tag`: the mark the tag counts leave out ([check] review_tag).
  explicit ReportStats(std::string review_tag) : review_tag_(std::move(review_tag)) {}
  // `out_path`: where the item is in OUT.
  void add(const ExportFacts& facts, const ManifestItem& item, const std::string& out_path);

  // A still below the quality gate, as the page shows it.
  struct LowQuality {
    std::string path;  // in the work folder
    std::string out_path;
    std::string faults;
  };

 private:
  friend Result<std::string> report_html(const RunContext&, Manifest&, const RunSummary&, ReportStats);
  struct Flagged {
    double score = 0;
    ManifestItem item;
    std::string out_path;
  };
  static bool lower(const Flagged& a, const Flagged& b);  // by score, then path in natural order
  std::vector<size_t> overall_bins_ = std::vector<size_t>(10), nsfw_bins_ = std::vector<size_t>(10);
  size_t scored_ = 0, nsfw_scored_ = 0, flagged_count_ = 0;
  std::map<std::string, size_t> tag_counts_;
  std::map<std::string, size_t> caption_sources_;  // "from the tags", "by the LLM", "the input's own"
  std::map<std::string, size_t> llm_outcomes_;     // what came of asking the LLM, in kinds
  size_t llm_requests_ = 0;
  std::string review_tag_;
  std::vector<Flagged> flagged_;  // a heap (by lower()) of the lowest scores, at most the number shown
  std::vector<LowQuality> low_quality_;  // the first stills below the quality gate, at most the number shown
};

// The page; the flagged items shown are read from the manifest again.
Result<std::string> report_html(const RunContext& context, Manifest& manifest, const RunSummary& summary,
                                ReportStats stats);

}  // namespace tagforge
