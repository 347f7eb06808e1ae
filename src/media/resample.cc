#include "media/resample.h"

#include <algorithm>
#include <cmath>

namespace tagforge {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;  // Pillow's fixed point for 8-bit images
constexpr double kSupport = 2.0;            // of the bicubic filter

double bicubic(double x) {
  constexpr double a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

// For each output index, the first input index and the weights of the run
// of inputs it reads (fixed point).
struct Coefficients {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<int32_t> weights;  // out_size * ksize
};

Coefficients precompute(int in_size, int out_size) {
  Coefficients c;
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = kSupport * filterscale;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(static_cast<size_t>(out_size));
  c.count.resize(static_cast<size_t>(out_size));
  c.weights.assign(static_cast<size_t>(out_size) * static_cast<size_t>(c.ksize), 0);
  std::vector<double> k(static_cast<size_t>(c.ksize));
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);  // truncation, as in C
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0;
    for (int x = 0; x < xmax; ++x) {
      k[static_cast<size_t>(x)] = bicubic((x + xmin - center + 0.5) * ss);
      ww += k[static_cast<size_t>(x)];
    }
    for (int x = 0; x < xmax; ++x) {
      double w = ww != 0 ? k[static_cast<size_t>(x)] / ww : k[static_cast<size_t>(x)];
      const double fixed = w * (1 << kPrecisionBits);
      c.weights[static_cast<size_t>(xx) * static_cast<size_t>(c.ksize) + static_cast<size_t>(x)] =
          static_cast<int32_t>(w < 0 ? -0.5 + fixed : 0.5 + fixed);
    }
    c.first[static_cast<size_t>(xx)] = xmin;
    c.count[static_cast<size_t>(xx)] = xmax;
  }
  return c;
}

uint8_t clip8(int32_t v) {
  v >>= kPrecisionBits;  // arithmetic shift, as Pillow's lookup table indexes
  return static_cast<uint8_t>(std::clamp(v, 0, 255));
}

// Rows [row0, row0 + rows) of `in`, resized horizontally.
// One output row of the horizontal pass, for CH channels (fixed, so the
// compiler keeps the sums in registers).
template <int CH>
void horizontal_row(const uint8_t* src, uint8_t* dst, int out_width, const Coefficients& c) {
  for (int xx = 0; xx < out_width; ++xx) {
    const int32_t* k = &c.weights[static_cast<size_t>(xx) * static_cast<size_t>(c.ksize)];
    const uint8_t* s = src + static_cast<size_t>(c.first[static_cast<size_t>(xx)]) * CH;
    const int n = c.count[static_cast<size_t>(xx)];
    int32_t ss[CH];
    for (int b = 0; b < CH; ++b) ss[b] = 1 << (kPrecisionBits - 1);
    for (int x = 0; x < n; ++x) {
      for (int b = 0; b < CH; ++b) ss[b] += s[x * CH + b] * k[x];
    }
    for (int b = 0; b < CH; ++b) dst[xx * CH + b] = clip8(ss[b]);
  }
}

Image8 horizontal(const Image8& in, int row0, int rows, int out_width, const Coefficients& c) {
  Image8 out{out_width, rows, in.channels, {}};
  out.pixels.resize(static_cast<size_t>(out_width) * static_cast<size_t>(rows) * static_cast<size_t>(in.channels));
  const size_t ch = static_cast<size_t>(in.channels);
  for (int y = 0; y < rows; ++y) {
    const uint8_t* src = &in.pixels[static_cast<size_t>(y + row0) * static_cast<size_t>(in.width) * ch];
    uint8_t* dst = &out.pixels[static_cast<size_t>(y) * static_cast<size_t>(out_width) * ch];
    switch (in.channels) {
      case 1: horizontal_row<1>(src, dst, out_width, c); break;
      case 2: horizontal_row<2>(src, dst, out_width, c); break;
      case 3: horizontal_row<3>(src, dst, out_width, c); break;
      default: horizontal_row<4>(src, dst, out_width, c); break;
    }
  }
  return out;
}

// Whole rows at a time: each source row is read once, in order, into sums
// the compiler vectorises. Integer sums, so the order does not change them.
Image8 vertical(const Image8& in, int out_height, const Coefficients& c, int row_shift) {
  Image8 out{in.width, out_height, in.channels, {}};
  const size_t stride = static_cast<size_t>(in.width) * static_cast<size_t>(in.channels);
  out.pixels.resize(stride * static_cast<size_t>(out_height));
  std::vector<int32_t> sums(stride);
  for (int yy = 0; yy < out_height; ++yy) {
    const int32_t* k = &c.weights[static_cast<size_t>(yy) * static_cast<size_t>(c.ksize)];
    const int first = c.first[static_cast<size_t>(yy)] - row_shift, n = c.count[static_cast<size_t>(yy)];
    std::fill(sums.begin(), sums.end(), 1 << (kPrecisionBits - 1));
    for (int y = 0; y < n; ++y) {
      const uint8_t* row = &in.pixels[static_cast<size_t>(first + y) * stride];
      const int32_t w = k[y];
      for (size_t i = 0; i < stride; ++i) sums[i] += row[i] * w;
    }
    uint8_t* dst = &out.pixels[static_cast<size_t>(yy) * stride];
    for (size_t i = 0; i < stride; ++i) dst[i] = clip8(sums[i]);
  }
  return out;
}

}  // namespace

Image8 resize_bicubic_like_pil(const Image8& in, int out_width, int out_height) {
  const bool need_horizontal = out_width != in.width;
  const bool need_vertical = out_height != in.height;
  const Coefficients ch = precompute(in.width, out_width);
  const Coefficients cv = precompute(in.height, out_height);
  // The horizontal pass covers only the rows the vertical pass reads.
  const int first_row = cv.first.front();
  const int last_row = cv.first.back() + cv.count.back();
  Image8 out = in;
  int shift = 0;
  if (need_horizontal) {
    out = horizontal(in, need_vertical ? first_row : 0, need_vertical ? last_row - first_row : in.height, out_width, ch);
    shift = need_vertical ? first_row : 0;
  }
  if (need_vertical) out = vertical(out, out_height, cv, shift);
  return out;
}

}  // namespace tagforge
