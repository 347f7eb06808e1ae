// Resizing 8-bit images exactly as Pillow's Image.resize(size, BICUBIC)
// does: the bicubic filter (a = -0.5) widened by the scale when shrinking
// (so it antialiases, unlike OpenCV's INTER_CUBIC), fixed-point weights of
// 22 bits, a horizontal pass into an 8-bit image, then a vertical pass.
// Taggers such as WD v3 were trained on images made this way; a different
// filter silently costs accuracy.
#pragma once

#include <cstdint>
#include <vector>

namespace tagforge {

// A packed image: `channels` bytes per pixel, rows without padding.
struct Image8 {
  int width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;  // width * height * channels
};

// Every channel is filtered alike; Pillow premultiplies RGBA by its alpha
// first, so composite or premultiply before calling with an alpha channel.
// REQUIRES: width, height >= 1 for both images.
Image8 resize_bicubic_like_pil(const Image8& in, int out_width, int out_height);

}  // namespace tagforge
