// Turning an image into a tagger's input tensor, exactly as the taggers'
// own Python does it (a different resize or channel order silently costs
// accuracy):
//   1. alpha composited on white (Pillow's alpha_composite arithmetic);
//   2. padded to a centred white square, pad = (max - side) // 2;
//   3. resized to the model's size like Pillow's BICUBIC (media/resample);
//   4. to floats in the model's channel order and layout, scaled and
//      normalised.
// WD v3: BGR, 0-255, NHWC. JoyTag: RGB, /255, CLIP mean and std, NCHW.
#pragma once

#include <array>
#include <span>
#include <vector>

#include "media/resample.h"

namespace tagforge {

struct TaggerInputSpec {
  int size = 448;  // the model's square input
  enum class Layout { kNHWC, kNCHW } layout = Layout::kNHWC;
  bool bgr = true;             // channel order of the tensor
  float scale = 1.0f;          // applied to 0-255 values first (1/255 for JoyTag)
  std::array<float, 3> mean{0, 0, 0}, std{1, 1, 1};  // then (v - mean) / std, in tensor channel order
};

TaggerInputSpec wd_v3_input(int size = 448);
TaggerInputSpec joytag_input(int size = 448);

// Steps 1 and 2: an RGB image (RGBA composited on white; grey expanded).
// REQUIRES: 1, 3 or 4 channels.
Image8 composite_and_pad_square(const Image8& image);

// All four steps, into exactly size * size * 3 floats.
void write_tagger_input(const Image8& image, const TaggerInputSpec& spec, std::span<float> out);
// The same, appended to `out`.
void append_tagger_input(const Image8& image, const TaggerInputSpec& spec, std::vector<float>& out);

}  // namespace tagforge
