// Planning a sort: which file goes to which bucket under which name.
// Reads the destination's bucket folders; changes nothing.
//
// The planner takes items one at a time in natural order, so that a sort can
// move the first files while later ones are still being probed:
//   1. settle_candidates(): items already inside some bucket folder; probe
//      and classify them, then SortPlanner::settle() keeps those that are
//      in a bucket of their own class (and not over-full);
//   2. place() every other item, in natural_item_order().
// The run's export plans the same way against its earlier plan instead of a
// folder: keep() each item where that plan put it, then place() the rest.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/journal.h"
#include "tagforge/scan.h"
#include "tagforge/sort.h"

namespace tagforge {

// Every item, by name in natural order, then by folder.
std::vector<uint32_t> natural_item_order(const ScanResult& scan);

// Items directly inside a folder named like a bucket of some class; empty
// unless the sort is in place and not a rebalance.
std::vector<size_t> settle_candidates(const ScanResult& scan, const SortOptions& options, bool in_place);

class SortPlanner {
 public:
  // REQUIRES: `dest` is absolute and canonical (it may not exist yet);
  // `scan.root` is the source; dest == scan.root sorts in place.
  SortPlanner(const ScanResult& scan, std::filesystem::path dest, const SortOptions& options);

  // REQUIRES: called once, before place(); classes[k] is the class of
  // candidates[k] (from settle_candidates).
  void settle(std::span<const size_t> candidates, std::span<const SortClass> classes);
  // Settled: the item stays where it is and must not be placed.
  bool stays(size_t item) const { return stays_[item]; }

  // The names a bucket folder holds already, for a destination that is not a folder on disk
  // (the export's earlier plan): asked once per bucket, when place() first looks into it.
  using NamesIn = std::function<void(const std::string& folder, std::unordered_set<std::string>& names)>;
  void set_names_in(NamesIn names_in) { names_in_ = std::move(names_in); }
  // Plans `item` (of class `c`) into bucket `n` of its class under the name it had there, its
  // stem's `suffix` ("" or "~2"...) included: the caller knows those names are free. False,
  // with nothing planned, when that bucket is full. REQUIRES: before any place().
  bool keep(const Item& item, const std::string& dir, SortClass c, uint64_t n, const std::string& suffix,
            std::vector<JournalMove>& moves);

  // Plans item `i` of class `c`: appends the folders to make first and the
  // moves (media file, then its sidecars). REQUIRES: items arrive in
  // natural_item_order(), settled ones left out.
  void place(size_t i, SortClass c, std::vector<std::string>& mkdirs, std::vector<JournalMove>& moves);
  // The same for an item that is not in the scan (a caller streaming items in
  // the same order): `dir` is its folder relative to the source.
  void place(const Item& item, const std::string& dir, SortClass c, std::vector<std::string>& mkdirs,
             std::vector<JournalMove>& moves);

  uint64_t items_in_place() const { return items_in_place_; }
  uint64_t renamed() const { return renamed_; }
  // Items planned per bucket (staying ones included), by folder then number.
  std::vector<BucketCount> buckets() const;

 private:
  // What is in one bucket folder of the destination, and what is planned.
  struct Bucket {
    bool listed = false;
    bool exists = false;                   // on disk, or its MKDIR is planned
    uint64_t items = 0;                    // media files there or planned
    uint64_t planned = 0;                  // placed by this run
    std::unordered_set<std::string> taken; // every name present or planned
  };
  struct Prefix {
    std::map<uint64_t, Bucket> buckets;
    uint64_t cursor = 1;  // the first bucket that may have room
  };

  Prefix& prefix(const std::string& name);
  Bucket& bucket(const std::string& prefix_name, Prefix& p, uint64_t n);

  const ScanResult& scan_;
  std::filesystem::path dest_;
  const SortOptions& opt_;
  bool in_place_;
  std::map<std::string, Prefix> prefixes_;
  NamesIn names_in_;
  std::vector<bool> stays_;  // by item
  uint64_t items_in_place_ = 0;
  uint64_t renamed_ = 0;
};

// The whole plan at once, for tests. REQUIRES: every item probed.
struct SortPlan {
  std::vector<std::string> mkdirs;  // bucket folders to create, relative to dest
  std::vector<JournalMove> moves;   // media file first, then its sidecars
  uint64_t items_in_place = 0;
  uint64_t renamed = 0;
  std::vector<BucketCount> buckets;
};
Result<SortPlan> plan_sort(const ScanResult& scan, const std::filesystem::path& dest, const SortOptions& options);

// "images_12" with prefix "images" -> 12; 0 when it is no bucket of prefix.
uint64_t bucket_number(std::string_view folder, std::string_view prefix);
// "images_12".
std::string bucket_folder(const std::string& prefix, uint64_t n);
// The suffix a file was placed with: ("a~2.png", "a.png") -> "~2", ("a.png", "a.png") -> "";
// nullopt when `placed` is not `name` with a suffix on its stem.
std::optional<std::string> placed_suffix(std::string_view placed, std::string_view name);
// `name` with `suffix` after its first `stem_len` characters (the group's media file's stem:
// a.png + a.txt -> a~2.png + a~2.txt).
std::string with_suffix(std::string_view name, size_t stem_len, std::string_view suffix);

}  // namespace tagforge
