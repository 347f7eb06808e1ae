// Flattening an image onto opaque white, with Pillow's alpha_composite
// arithmetic (what the taggers' and detectors' own Python does before
// anything else), optionally centred on a larger white canvas.
#pragma once

#include "media/resample.h"

namespace tagforge {

// An RGB image of canvas_width x canvas_height, white, with `in` centred on
// it (offset (canvas - side) // 2). Grey is expanded, RGBA composited.
// REQUIRES: in.channels is 1, 3 or 4; the canvas is at least as large.
Image8 composite_on_white(const Image8& in, int canvas_width, int canvas_height);

}  // namespace tagforge
