// The faults the quality gate looks for, made on purpose from a good picture
// (tests of media/image_quality.h and of the [quality] stage): a blur, a
// darkening, black bars around it. Header-only: it needs nothing but Image8.
#pragma once

#include <algorithm>
#include <vector>

#include "media/resample.h"

namespace tagforge::testing {

// A box blur of radius r, three passes each way (about a Gaussian of sigma r).
inline Image8 box_blurred(Image8 im, int r) {
  const int w = im.width, h = im.height, c = im.channels;
  std::vector<uint8_t> tmp(im.pixels.size());
  for (int pass = 0; pass < 6; ++pass) {
    const bool horizontal = pass % 2 == 0;
    const int n = horizontal ? w : h, lines = horizontal ? h : w;
    const size_t step = horizontal ? size_t(c) : size_t(w) * c;
    for (int line = 0; line < lines; ++line) {
      const size_t base = horizontal ? size_t(line) * w * c : size_t(line) * c;
      for (int k = 0; k < c; ++k) {
        // A running sum over the window [i - r, i + r], clipped to the line.
        int sum = 0, count = 0;
        for (int i = 0; i <= std::min(r, n - 1); ++i, ++count) sum += im.pixels[base + i * step + k];
        for (int i = 0; i < n; ++i) {
          tmp[base + i * step + k] = uint8_t((sum + count / 2) / count);
          if (i + r + 1 < n) sum += im.pixels[base + (i + r + 1) * step + k], ++count;
          if (i - r >= 0) sum -= im.pixels[base + (i - r) * step + k], --count;
        }
      }
    }
    im.pixels.swap(tmp);
  }
  return im;
}

// Every colour channel divided by `divisor` (alpha kept): a near-black copy.
inline Image8 darkened(Image8 im, int divisor) {
  for (size_t i = 0; i < im.pixels.size(); ++i) {
    if (im.channels == 4 && i % 4 == 3) continue;
    im.pixels[i] = uint8_t(im.pixels[i] / divisor);
  }
  return im;
}

// `picture` (RGB) centred on a black canvas of w x h.
inline Image8 on_black(const Image8& picture, int w, int h) {
  Image8 out{w, h, 3, std::vector<uint8_t>(size_t(w) * h * 3, 0)};
  const int x0 = (w - picture.width) / 2, y0 = (h - picture.height) / 2;
  for (int y = 0; y < picture.height; ++y) {
    for (int x = 0; x < picture.width; ++x) {
      for (int k = 0; k < 3; ++k) {
        out.pixels[(size_t(y0 + y) * w + x0 + x) * 3 + k] =
            picture.pixels[(size_t(y) * picture.width + x) * picture.channels + std::min(k, picture.channels - 1)];
      }
    }
  }
  return out;
}

}  // namespace tagforge::testing
