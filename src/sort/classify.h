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
// An image in a `<duplicates folder>_N` folder stays a duplicate, and one in
// a `<low_quality folder>_N` stays low quality: that it is someone's copy, or
// failed the quality gate, was decided by `tagforge run` or `dedupe` (or a
// person), and its bytes are not looked at again here.
class Classifier {
 public:
  // Items that may be the source of some frame, by name alone.
  static std::vector<size_t> frame_sources(const ScanResult& scan, bool animations);

  // REQUIRES: the items in `sources` (from frame_sources) are probed.
  // `folders`: every class's folder name, by class (SortOptions::folder); empty: no class's folder keeps
  // its images.
  Classifier(const ScanResult& scan, std::span<const size_t> sources, bool animations,
             std::span<const std::string> folders = {});

  // REQUIRES: `item` is probed.
  SortClass classify(const Item& item) const;

 private:
  SortClass classify_by_bytes(const Item& item) const;
  bool animations_;
  std::vector<int> kept_class_;  // by scan.dirs index: the class the folder keeps its images in; -1: none
  std::unordered_set<std::string_view> animation_stems_, video_stems_;  // views into scan names
};

// The classes of a still image (tagged, untagged, for review): the ones a folder that keeps its
// images, or the run's dedupe and quality gate, may take an image from.
inline bool is_still_class(SortClass c) {
  return c == SortClass::kImages || c == SortClass::kMissingTags || c == SortClass::kReview;
}

// Every item's class, in scan order. REQUIRES: every item probed.
std::vector<SortClass> classify_items(const ScanResult& scan, bool animations, std::span<const std::string> folders = {});

}  // namespace tagforge
