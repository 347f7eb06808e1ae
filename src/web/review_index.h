// What the review page's gallery filters and sorts: one small row per image
// or frame of the manifest, read in one query when the server starts (about
// 60 bytes and the tag line per item). An item's id is its place in path
// order, so the page never names a file; ids hold while the server runs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tagforge/error.h"

namespace tagforge {

class Manifest;

struct IndexEntry {
  std::string path;            // relative to the work folder
  std::string hash;            // content hash: the thumbnail's cache key
  std::string tags;            // the tag line (a person's edit, else the check's or the tags stage's)
  std::optional<float> score;  // the caption's overall score
  std::optional<float> nsfw;   // the NSFW classifier's score
  std::optional<float> sharpness;  // the quality stage's (media/image_quality.h)
  bool low_quality = false;        // a still below the quality gate
  bool flagged = false;        // for review (and not approved)
  bool approved = false;
  bool edited = false;         // a person changed its tags or caption
  bool has_error = false;      // a stage failed on it, or the item itself
  // In a group of copies (the run's dedupe): the path of the one kept, its own
  // for the keeper; empty when it is in none.
  std::string keeper;
  bool keep_chosen = false;  // a person chose it to be kept (ReviewEdit::keep)
};

struct IndexQuery {
  bool flagged_only = false;
  bool errors_only = false;
  bool duplicates_only = false;      // items in a group of copies; by path, each group together, its keeper first
  bool low_quality_only = false;     // stills below the quality gate
  std::optional<float> score_below;  // items without a score are left out
  std::optional<float> nsfw_at_least;
  std::string tag_substring;         // in the tag line, case-insensitive; spaces match underscores
  enum class Order { kPath, kScoreAscending, kScoreDescending, kNsfwDescending, kSharpnessAscending } order =
      Order::kPath;
};

class ReviewIndex {
 public:
  // `review_tag`: [check] review_tag, the mark a check leaves in the tags.
  static Result<ReviewIndex> load(const std::filesystem::path& manifest_file, const std::string& review_tag);

  size_t size() const { return entries_.size(); }
  // The ids that pass, in the query's order (ties in path order). The last
  // few answers are kept until an edit changes the index, so paging through
  // a filtered list of a million items filters it once, not once a page.
  std::shared_ptr<const std::vector<uint32_t>> select(const IndexQuery& query) const;
  // A copy (the entry may change under an edit while it is read).
  std::optional<IndexEntry> entry(uint32_t id) const;
  std::optional<uint32_t> id_of(const std::string& path) const;
  // The ids of the item's group of copies (keeper first, then path order); empty when it is in none.
  std::vector<uint32_t> group_of(uint32_t id) const;
  // After an edit: the entry as the item now is.
  void update(uint32_t id, const IndexEntry& entry);

  ReviewIndex() = default;
  ReviewIndex(ReviewIndex&& o) noexcept : entries_(std::move(o.entries_)) {}
  ReviewIndex& operator=(ReviewIndex&& o) noexcept {
    entries_ = std::move(o.entries_);
    return *this;
  }

 private:
  std::vector<uint32_t> filter_and_order(const IndexQuery& query) const;  // REQUIRES: mu_ held
  Status load_copies(const std::filesystem::path& manifest_file);  // the keeper of each entry in a group
  std::vector<IndexEntry> entries_;  // in path order (bytewise)
  uint64_t generation_ = 0;          // bumped by every update
  mutable std::shared_mutex mu_;
  struct Answer {
    std::string key;
    uint64_t generation;
    std::shared_ptr<const std::vector<uint32_t>> ids;
  };
  mutable std::mutex answers_mu_;
  mutable std::vector<Answer> answers_;  // the latest last
};

// Text as tag searches compare it: lower case, spaces as underscores ("Long Hair" finds long_hair).
std::string fold_for_search(std::string_view text);

}  // namespace tagforge
