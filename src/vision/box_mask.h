// A mask of where some detections are: the union of their boxes, white (255)
// on black, as an 8-bit grey PNG the size of the image (kohya-ss sd-scripts'
// alpha/loss masks take such files).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tagforge/detection.h"
#include "tagforge/error.h"

namespace tagforge {

// The PNG bytes. REQUIRES: width, height >= 1.
std::string box_mask_png(int width, int height, const std::vector<Box>& boxes);

// Written atomically, replacing an older mask.
Status write_box_mask(const std::filesystem::path& file, int width, int height, const std::vector<Box>& boxes);

}  // namespace tagforge
