// Which class (and so which folder) each scanned item goes to.
#pragma once

#include <span>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "tagforge/scan.h"
#include "tagforge/sort.h"

namespace tagforge {

// Frames are recognised by name: "<stem>_f<digits>.<ext>" (and
// "<stem>_s<slice>_f<digits>.<ext>", as `tagforge extract` names them) is a
// frame when an animation (video) with that stem exists anywhere in the scan. So the class
// of a frame depends on another file's bytes, and those files are probed
// first: frame_sources() names them.
//
// An image in a `<duplicates_folder>_N` folder stays a duplicate: that it is
// someone's copy was decided by `tagforge dedupe` (or a person), and its own
// bytes cannot say so again.
class Classifier {
 public:
  // Items that may be the source of some frame, by name alone.
  static std::vector<size_t> frame_sources(const ScanResult& scan, bool animations);

  // REQUIRES: the items in `sources` (from frame_sources) are probed.
  // `duplicates_folder`: the duplicates class's folder name (empty: none).
  Classifier(const ScanResult& scan, std::span<const size_t> sources, bool animations,
             std::string_view duplicates_folder = {});

  // REQUIRES: `item` is probed.
  SortClass classify(const Item& item) const;

 private:
  SortClass classify_by_bytes(const Item& item) const;
  bool animations_;
  std::vector<bool> duplicates_dir_;  // by scan.dirs index
  std::unordered_set<std::string_view> animation_stems_, video_stems_;  // views into scan names
};

// Every item's class, in scan order. REQUIRES: every item probed.
std::vector<SortClass> classify_items(const ScanResult& scan, bool animations, std::string_view duplicates_folder = {});

}  // namespace tagforge
