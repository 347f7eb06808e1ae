// TensorFlow's tf.image.resizeBilinear with align_corners (and without half-
// pixel centres), as TensorFlow.js's CPU backend computes it: float values,
// source position r * (in - 1) / (out - 1), the top and bottom rows
// interpolated across, then between. nsfwjs feeds its models images made so.
#pragma once

#include <span>
#include <vector>

namespace tagforge {

// `in` is h x w x c floats (HWC); returns out_h x out_w x c.
std::vector<float> resize_bilinear_align_corners(std::span<const float> in, int h, int w, int c, int out_h, int out_w);

}  // namespace tagforge
