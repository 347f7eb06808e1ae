// Duplicates set aside in place (issue 21): each one, with its sidecars, moves
// into DIR/duplicates_N buckets as the sorter would file them (same names, a
// "~2" suffix on a clash, `bucket_size` media files a bucket, numbers going on
// after the buckets already there), through a journal in DIR/.tagforge, so
// that a kill at any instant is finished by the next sort and `tagforge undo
// DIR` puts every file back.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tagforge/error.h"
#include "tagforge/scan.h"
#include "tagforge/sort.h"

namespace tagforge {

inline constexpr const char* kDuplicatesFolder = "duplicates";

// Whether `rel` (relative to DIR) lies in a duplicates_N bucket: set aside before,
// not compared again.
bool in_duplicates_bucket(const std::string& rel);

struct SetAsideReport {
  std::filesystem::path journal;  // empty on a dry run or when nothing moved
  std::vector<std::pair<std::string, std::string>> moves;  // src, dst relative to DIR (media and sidecars)
  uint64_t moved = 0;                                      // files moved
  std::vector<ScanNote> failures;                          // files that could not be moved; left in place
};

// A dedupe of DIR that a kill cut short, finished (its journal holds the whole plan); nothing
// when there is none. Refuses while an interrupted sort or undo of DIR waits. Before the scan.
// `*finished`: how many files it moved.
Status finish_interrupted_dedupe(const std::filesystem::path& dir, uint64_t* finished);

// `scan`: the scan of DIR (scan.root); `items`: indices of the items to set aside.
// Takes DIR's lock; refuses while an earlier sort or dedupe of DIR is unfinished.
Result<SetAsideReport> set_aside(const ScanResult& scan, const std::vector<size_t>& items, size_t bucket_size,
                                 bool dry_run);

}  // namespace tagforge
