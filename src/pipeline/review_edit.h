// A person's word on an item, given on the review page (`tagforge serve`):
// the tags and the caption as they left them, whether they approved it, and
// whether they chose it as the copy of its duplicates group to keep.
// It is the item's "review" row in the manifest. Nothing computes it, so it
// has no fingerprint, and it wins over the stages' results whenever the
// sidecars are written: by the review server at once, and by every later run.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tagforge {

inline constexpr const char* kStageReview = "review";

struct ReviewEdit {
  std::optional<std::string> tags;     // the tag line (format_tags' ", " form), quality tags not included
  std::optional<std::string> caption;  // the caption text
  bool approved = false;               // human-verified: auto_best_caption, accuracy_90_up, never flagged
  bool keep = false;                   // kept over its copies whatever dedupe would choose (dataset_dedupe.h)
  bool empty() const { return !tags && !caption && !approved && !keep; }
  bool operator==(const ReviewEdit&) const = default;
};

// The row's JSON. A row that does not parse reads as no edit.
ReviewEdit parse_review_edit(std::string_view json);
std::string format_review_edit(const ReviewEdit& edit);

}  // namespace tagforge
