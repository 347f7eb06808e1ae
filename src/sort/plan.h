// Planning a sort: which file goes to which bucket under which name.
// Pure: reads the scan and the destination's bucket folders, changes nothing.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/journal.h"
#include "tagforge/scan.h"
#include "tagforge/sort.h"

namespace tagforge {

struct SortPlan {
  std::vector<std::string> mkdirs;  // bucket folders to create, relative to dest
  std::vector<JournalMove> moves;   // media file first, then its sidecars
  uint64_t items_in_place = 0;
  uint64_t renamed = 0;
  std::vector<BucketCount> buckets;  // planned items per bucket, natural order
};

// REQUIRES: `dest` is absolute and canonical (it may not exist yet);
// `scan.root` is the source. When dest == scan.root the sort is in place.
Result<SortPlan> plan_sort(const ScanResult& scan, const std::filesystem::path& dest, const SortOptions& options);

// "images_12" with prefix "images" -> 12; 0 when it is no bucket of prefix.
uint64_t bucket_number(std::string_view folder, std::string_view prefix);

}  // namespace tagforge
