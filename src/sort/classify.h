// Which class (and so which folder) each scanned item goes to.
#pragma once

#include <vector>

#include "tagforge/scan.h"
#include "tagforge/sort.h"

namespace tagforge {

// One class per item of `scan`, in the same order. Frames are recognised by
// name: "<stem>_f<digits>.<ext>" is a frame when an animation (video) with
// that stem exists anywhere in the scan.
std::vector<SortClass> classify_items(const ScanResult& scan, bool animations);

}  // namespace tagforge
