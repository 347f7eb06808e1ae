// Masks as files: the union of some detections' boxes, white (255) on black,
// or a segmenter's mask, as 8-bit grey PNGs the size of the image (kohya-ss
// sd-scripts' alpha/loss masks take such files), and what a mask covers.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "media/resample.h"
#include "tagforge/detection.h"
#include "tagforge/error.h"

namespace tagforge {

// Sets the pixels of a one-channel mask that `box` covers (whole pixels:
// its corners rounded outwards, clipped to the mask) to `value`.
void fill_box(Image8& mask, const Box& box, uint8_t value);

// The PNG bytes. REQUIRES: width, height >= 1.
std::string box_mask_png(int width, int height, const std::vector<Box>& boxes);

// Written atomically, replacing an older mask.
Status write_box_mask(const std::filesystem::path& file, int width, int height, const std::vector<Box>& boxes);

}  // namespace tagforge

namespace tagforge {

// Any one-channel mask as PNG bytes. REQUIRES: mask.channels == 1.
std::string mask_png(const Image8& mask);

// What a mask covers: the share of pixels >= 128 and their bounding box
// (x1, y1 exclusive; all zero when none is).
struct MaskCoverage {
  float area_share = 0;
  Box box;
};
MaskCoverage measure_mask(const Image8& mask);

}  // namespace tagforge
