#include "media/resize_tf.h"

#include <algorithm>
#include <cmath>

namespace tagforge {

std::vector<float> resize_bilinear_align_corners(std::span<const float> in, int h, int w, int c, int out_h, int out_w) {
  std::vector<float> out(size_t(out_h) * out_w * c);
  // As tfjs: with align_corners and more than one output pixel, the corners map onto the corners.
  const double row_ratio = out_h > 1 ? double(h - 1) / (out_h - 1) : double(h) / out_h;
  const double col_ratio = out_w > 1 ? double(w - 1) / (out_w - 1) : double(w) / out_w;
  for (int r = 0; r < out_h; ++r) {
    const double fr = row_ratio * r;
    const int r0 = int(std::floor(fr)), r1 = std::min(h - 1, int(std::ceil(fr)));
    const double dr = fr - r0;
    for (int col = 0; col < out_w; ++col) {
      const double fc = col_ratio * col;
      const int c0 = int(std::floor(fc)), c1 = std::min(w - 1, int(std::ceil(fc)));
      const double dc = fc - c0;
      for (int k = 0; k < c; ++k) {
        const double tl = in[(size_t(r0) * w + c0) * c + k], tr = in[(size_t(r0) * w + c1) * c + k];
        const double bl = in[(size_t(r1) * w + c0) * c + k], br = in[(size_t(r1) * w + c1) * c + k];
        const double top = tl + (tr - tl) * dc, bottom = bl + (br - bl) * dc;
        out[(size_t(r) * out_w + col) * c + k] = float(top + (bottom - top) * dr);
      }
    }
  }
  return out;
}

}  // namespace tagforge
