#include "media/resize_imgly.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace tagforge {

Image8 resize_bilinear_like_imgly(const Image8& in, int out_width, int out_height) {
  const int ch = in.channels;
  Image8 out{out_width, out_height, ch, std::vector<uint8_t>(size_t(out_width) * out_height * ch)};
  const double scale_x = double(in.width) / out_width, scale_y = double(in.height) / out_height;
  // Columns are the same for every row: work them out once.
  std::vector<int> x1s(static_cast<size_t>(out_width)), x2s(static_cast<size_t>(out_width));
  std::vector<double> dxs(static_cast<size_t>(out_width));
  for (int x = 0; x < out_width; ++x) {
    const double sx = x * scale_x;
    x1s[size_t(x)] = std::max(int(std::floor(sx)), 0);
    x2s[size_t(x)] = std::min(int(std::ceil(sx)), in.width - 1);
    dxs[size_t(x)] = sx - x1s[size_t(x)];
  }
  for (int y = 0; y < out_height; ++y) {
    const double sy = y * scale_y;
    const int y1 = std::max(int(std::floor(sy)), 0);
    const int y2 = std::min(int(std::ceil(sy)), in.height - 1);
    const double dy = sy - y1;
    const uint8_t* r1 = &in.pixels[size_t(y1) * in.width * ch];
    const uint8_t* r2 = &in.pixels[size_t(y2) * in.width * ch];
    uint8_t* dst = &out.pixels[size_t(y) * out_width * ch];
    for (int x = 0; x < out_width; ++x) {
      const int a = x1s[size_t(x)] * ch, b = x2s[size_t(x)] * ch;
      const double dx = dxs[size_t(x)];
      for (int c = 0; c < ch; ++c) {
        // The same expression, in the same order, as imgly's JavaScript (doubles there too).
        const double v = (1 - dx) * (1 - dy) * r1[a + c] + dx * (1 - dy) * r1[b + c] + (1 - dx) * dy * r2[a + c] +
                         dx * dy * r2[b + c];
        // JavaScript's Math.round: halves go up; ndarray on a Uint8Array then wraps, never above 255 here.
        dst[x * ch + c] = uint8_t(std::floor(v + 0.5));
      }
    }
  }
  return out;
}

}  // namespace tagforge
