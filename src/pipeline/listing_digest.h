// A digest of the folders a scan visited: each folder's path and how many files
// it held, in the scan's order. The probe memo tells whether a visited folder is
// as it was; this tells whether the same folders were visited (a folder deleted
// whole is never visited, so the memo alone cannot see it go).
#pragma once

#include <string>

#include "pipeline/content_hash.h"
#include "tagforge/scan.h"

namespace tagforge {

class ListingDigest {
 public:
  void add(const ScanResult& folder) {
    size_t files = 0;
    for (const Item& it : folder.items) files += 1 + it.sidecars.size();
    if (files == 0) return;  // the walk's closing notes, an empty folder: no files to lose
    hasher_.add(folder.dirs.empty() ? std::string() : folder.dirs[0]);
    hasher_.add(std::string_view("\0", 1));
    hasher_.add(std::to_string(files));
    hasher_.add(std::string_view("\n", 1));
  }
  std::string hex() const { return hasher_.hex(); }

 private:
  ContentHasher hasher_;
};

}  // namespace tagforge
