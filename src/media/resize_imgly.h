// The bilinear resize of @imgly/background-removal (its tensorResizeBilinear):
// source position x * (in / out) with no half-pixel offset, the four
// neighbours floor/ceil of it, weights from the fraction, rounded to the
// nearest byte. Not a textbook bilinear (the last row and column are
// sampled less): ISNet as imgly runs it was fed images made this way.
#pragma once

#include "media/resample.h"

namespace tagforge {

// REQUIRES: width, height >= 1 for both images.
Image8 resize_bilinear_like_imgly(const Image8& in, int out_width, int out_height);

}  // namespace tagforge
