// The check of a candidate pair of near copies (issue 21) on their thumbnails.
//
// Two global hashes cannot tell a crop of a few percent from the same scene
// with a character added or moved: both move the hashes by similar bits.
// Aligned, the thumbnails can: a crop, once the other image is cropped the
// same way, differs nowhere by much; an added or moved character differs
// strongly where it stands.
//
// Alignment: one thumbnail is cropped by up to 10% on each axis (left + right,
// top + bottom), in steps of 1.25% of a side, resampled back to 32x32
// (bilinear) and compared with the other; the crop with the least mean
// difference is searched greedily from none, with either image as the cropped
// one. Both are then smoothed (1-2-1 each way: a fractional crop of a detailed
// picture leaves pixel-level residue) and compared in 4x4 blocks. The measure
// is the largest block's mean absolute difference in grey levels. On the test
// media, crops of 4-8% on one or two sides measure up to 11, resizes, JPEG
// re-encodes and a text watermark less; a character added to a background
// measures 26 or more (the test prints them).
#pragma once

#include "media/perceptual_hash.h"

namespace tagforge {

// Two thumbnails at or under this are one picture.
inline constexpr int kSamePictureBlockDifference = 18;

// The mean difference of the two smoothed thumbnails as they are, 0-255 (a
// lower bound of the plain block difference). Copies on the test media measure
// at most a third of kHopelessMeanDifference; past it no alignment is searched
// (the search is the check's whole cost, and the pictures a hash takes for
// copies are mostly ones that differ everywhere: the same layout in other colours).
int plain_mean_difference(const GreyThumbnail& a, const GreyThumbnail& b, bool mirror_b = false);
inline constexpr int kHopelessMeanDifference = 45;

// The largest 4x4 block difference once aligned, 0-255. `mirror_b`: b is
// compared flipped left-right (a mirrored copy).
int aligned_block_difference(const GreyThumbnail& a, const GreyThumbnail& b, bool mirror_b = false);

inline bool same_picture(const GreyThumbnail& a, const GreyThumbnail& b, bool mirror_b = false) {
  return aligned_block_difference(a, b, mirror_b) <= kSamePictureBlockDifference;
}

}  // namespace tagforge
