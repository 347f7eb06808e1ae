#include "media/image_quality.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace tagforge {

namespace {

// Level k's detail under this share of its parent's: level k is smooth (image_quality.h). Measured
// (bench_quality): pictures at their own size 0.55-0.94 at level 0; enlarged 2x from a smaller one
// 0.21-0.24; 4x: 0.32-0.43 at level 0 and 0.24 at level 1 (the cubic's curvature between the
// original samples, which the 2x2 residual sees at the pixel); a smooth signal's limit is 0.25.
constexpr double kSmoothRatio = 0.45;
// Detail (mean square, grey levels) under which a level holds nothing to judge by.
constexpr double kNoDetail = 0.05;
constexpr int kTile = 256;  // the side of the tiles a large picture's scale is judged on

struct Grey {
  int width = 0, height = 0;
  std::vector<uint8_t> luma;
  uint8_t at(int x, int y) const { return luma[size_t(y) * width + x]; }
};

// BT.601 luma in 16-bit fixed point (the weights sum to 65536: white stays 255).
template <int C>
uint32_t luma_of(const uint8_t* p) {
  if constexpr (C < 3) return p[0];
  return (19595u * p[0] + 38470u * p[1] + 7471u * p[2] + 32768u) >> 16;
}

// Luma as the models see the image (alpha over white); the channel count a constant, so the
// loop is vectorised.
template <int C>
void fill_grey(const Image8& in, Grey& g) {
  const uint8_t* p = in.pixels.data();
  uint8_t* out = g.luma.data();
  for (size_t i = 0, n = g.luma.size(); i < n; ++i, p += C) {
    uint32_t y = luma_of<C>(p);
    if constexpr (C == 4) y = (y * p[3] + 255u * (255u - p[3]) + 127u) / 255u;
    out[i] = uint8_t(y);
  }
}

Grey grey_of(const Image8& in) {
  Grey g{in.width, in.height, std::vector<uint8_t>(size_t(in.width) * in.height)};
  switch (in.channels) {
    case 1: fill_grey<1>(in, g); break;
    case 2: fill_grey<2>(in, g); break;  // grey and alpha: taken as grey
    case 3: fill_grey<3>(in, g); break;
    default: fill_grey<4>(in, g); break;
  }
  return g;
}

// The exposure of the picture inside the bars, over its opaque pixels (their own luma: the grey
// picture's where there is no alpha).
void measure_exposure(const Image8& in, const Grey& g, const PictureBars& b, ImageQuality& q) {
  uint64_t sum = 0, sum2 = 0;
  size_t opaque = 0, dark = 0, bright = 0;
  const int x0 = b.left, x1 = in.width - b.right;
  for (int y = b.top; y < in.height - b.bottom; ++y) {
    if (in.channels == 4) {
      const uint8_t* p = &in.pixels[(size_t(y) * in.width + x0) * 4];
      for (int x = x0; x < x1; ++x, p += 4) {
        if (p[3] < 128) continue;
        const uint32_t v = luma_of<4>(p);
        ++opaque;
        sum += v;
        sum2 += v * v;
        dark += v <= 2;
        bright += v >= 253;
      }
      continue;
    }
    // A row's sums on their own, so the loop is vectorised.
    const uint8_t* row = &g.luma[size_t(y) * g.width];
    uint64_t s = 0, s2 = 0;
    uint32_t d = 0, br = 0;
    for (int x = x0; x < x1; ++x) {
      const uint32_t v = row[x];
      s += v;
      s2 += v * v;
      d += v <= 2;
      br += v >= 253;
    }
    sum += s;
    sum2 += s2;
    dark += d;
    bright += br;
    opaque += size_t(x1 - x0);
  }
  if (opaque) {
    const double mean = double(sum) / double(opaque);
    q.luma_mean = float(mean);
    q.luma_spread = float(std::sqrt(std::max(0.0, double(sum2) / double(opaque) - mean * mean)));
    q.clipped_dark = float(double(dark) / opaque);
    q.clipped_bright = float(double(bright) / opaque);
  }
}

PictureBars find_bars(const Grey& g) {
  auto row_dark = [&](int y, int x0, int x1) {
    for (int x = x0; x < x1; ++x)
      if (g.at(x, y) > kBarLuma) return false;
    return true;
  };
  auto column_dark = [&](int x, int y0, int y1) {
    for (int y = y0; y < y1; ++y)
      if (g.at(x, y) > kBarLuma) return false;
    return true;
  };
  PictureBars b;
  while (b.top < g.height && row_dark(b.top, 0, g.width)) ++b.top;
  while (b.bottom < g.height - b.top && row_dark(g.height - 1 - b.bottom, 0, g.width)) ++b.bottom;
  const int y0 = b.top, y1 = g.height - b.bottom;
  if (y1 > y0) {
    while (b.left < g.width && column_dark(b.left, y0, y1)) ++b.left;
    while (b.right < g.width - b.left && column_dark(g.width - 1 - b.right, y0, y1)) ++b.right;
  }
  // Dark nearly all over: a dark picture, not a letterboxed one.
  if (10 * (b.top + b.bottom) >= 9 * g.height || 10 * (b.left + b.right) >= 9 * g.width) return {};
  return b;
}

// The variance of the 4-neighbour Laplacian of the picture reduced (area means) to kSharpnessSide.
float sharpness_of(const Grey& g, const PictureBars& b) {
  const int w = g.width - b.left - b.right, h = g.height - b.top - b.bottom;
  const int side = std::max(w, h);
  const int sw = side > kSharpnessSide ? std::max(1, int(std::lround(double(w) * kSharpnessSide / side))) : w;
  const int sh = side > kSharpnessSide ? std::max(1, int(std::lround(double(h) * kSharpnessSide / side))) : h;
  if (sw < 3 || sh < 3) return 0;
  std::vector<float> small(size_t(sw) * sh);
  if (sw == w && sh == h) {
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) small[size_t(y) * w + x] = g.at(b.left + x, b.top + y);
  } else {
    // Output column j averages the input columns [first[j], first[j + 1]); output row k the input
    // rows whose y * sh / h is k. Each cell: the sum of its runs, over its pixel count.
    std::vector<int> first(sw + 1);
    for (int j = 0; j <= sw; ++j) first[j] = int((int64_t(j) * w + sw - 1) / sw);
    std::vector<uint32_t> sum(small.size());
    std::vector<uint32_t> rows(sh);
    for (int y = 0; y < h; ++y) {
      const int k = int(int64_t(y) * sh / h);
      ++rows[k];
      uint32_t* out = &sum[size_t(k) * sw];
      const uint8_t* in = &g.luma[size_t(b.top + y) * g.width + b.left];
      for (int j = 0; j < sw; ++j) {
        uint32_t s = 0;
        for (int x = first[j]; x < first[j + 1]; ++x) s += in[x];
        out[j] += s;
      }
    }
    for (int k = 0; k < sh; ++k) {
      for (int j = 0; j < sw; ++j) {
        const uint32_t n = rows[k] * uint32_t(first[j + 1] - first[j]);
        small[size_t(k) * sw + j] = n ? float(sum[size_t(k) * sw + j]) / float(n) : 0.f;
      }
    }
  }
  double s = 0, s2 = 0;
  for (int y = 1; y + 1 < sh; ++y) {
    const float* r = &small[size_t(y) * sw];
    for (int x = 1; x + 1 < sw; ++x) {
      const double l = 4.0 * r[x] - r[x - 1] - r[x + 1] - r[x - sw] - r[x + sw];
      s += l;
      s2 += l * l;
    }
  }
  const double n = double(sw - 2) * (sh - 2);
  return float(std::max(0.0, s2 / n - (s / n) * (s / n)));
}

// Adds each level's detail (sum of squares, pixel count) over the region x0, y0, side w x h
// (multiples of 16) of the grey picture.
void add_level_detail(const Grey& g, int x0, int y0, int w, int h, std::array<double, 4>& energy,
                      std::array<double, 4>& pixels) {
  // Level 0 in integers, straight from the grey picture (4x each deviation from its 2x2 mean:
  // the loop is vectorised), the 2x2 means kept as level 1.
  int pw = w / 2, ph = h / 2;
  std::vector<float> level(size_t(pw) * ph);
  uint64_t e0 = 0;
  for (int y = 0; y < ph; ++y) {
    const uint8_t* r0 = &g.luma[size_t(y0 + 2 * y) * g.width + x0];
    const uint8_t* r1 = r0 + g.width;
    float* out = &level[size_t(y) * pw];
    uint64_t row = 0;
    for (int x = 0; x < pw; ++x) {
      const int a = r0[2 * x], b = r0[2 * x + 1], c = r1[2 * x], d = r1[2 * x + 1];
      const int s = a + b + c + d;
      const int da = 4 * a - s, db = 4 * b - s, dc = 4 * c - s, dd = 4 * d - s;
      row += uint32_t(da * da + db * db + dc * dc + dd * dd);
      out[x] = float(s) * 0.25f;
    }
    e0 += row;
  }
  energy[0] += double(e0) / 16.0;
  pixels[0] += double(w) * h;
  w = pw;
  h = ph;
  for (int k = 1; k < 4; ++k) {
    pw = w / 2;
    ph = h / 2;
    std::vector<float> parent(size_t(pw) * ph);
    double e = 0;
    for (int y = 0; y < ph; ++y) {
      for (int x = 0; x < pw; ++x) {
        const float* a = &level[size_t(2 * y) * w + 2 * x];
        const float* c = a + w;
        const float m = (a[0] + a[1] + c[0] + c[1]) * 0.25f;
        parent[size_t(y) * pw + x] = m;
        e += double(a[0] - m) * (a[0] - m) + double(a[1] - m) * (a[1] - m) + double(c[0] - m) * (c[0] - m) +
             double(c[1] - m) * (c[1] - m);
      }
    }
    energy[k] += e;
    pixels[k] += double(w) * h;
    level = std::move(parent);
    w = pw;
    h = ph;
  }
}

void judge_scale(const Grey& g, const PictureBars& b, ImageQuality& q) {
  const int w = g.width - b.left - b.right, h = g.height - b.top - b.bottom;
  if (w < 64 || h < 64) return;
  std::array<double, 4> energy{}, pixels{};
  if (int64_t(w) * h <= int64_t(4) * kTile * kTile) {
    add_level_detail(g, b.left, b.top, w / 16 * 16, h / 16 * 16, energy, pixels);
  } else {  // nine tiles on a grid: the cost stays that of a 768x768 picture
    const int tw = std::min(w, kTile) / 16 * 16, th = std::min(h, kTile) / 16 * 16;
    for (int j = 0; j < 3; ++j)
      for (int i = 0; i < 3; ++i)
        add_level_detail(g, b.left + (w - tw) * i / 2, b.top + (h - th) * j / 2, tw, th, energy, pixels);
  }
  std::array<double, 4> detail{};
  for (int k = 0; k < 4; ++k) detail[k] = pixels[k] > 0 ? energy[k] / pixels[k] : 0;
  q.fine_detail = detail[1] > kNoDetail ? float(detail[0] / detail[1]) : 1.f;
  for (int k = 0; k < 3; ++k) {
    if (detail[k + 1] <= kNoDetail || detail[k] >= kSmoothRatio * detail[k + 1]) break;
    q.effective_scale *= 2;
  }
}

}  // namespace

float ImageQuality::bar_share() const {
  if (width <= 0 || height <= 0) return 0;
  return 1.f - float(double(picture_width()) * picture_height() / (double(width) * height));
}

ImageQuality measure_quality(const Image8& image) {
  ImageQuality q;
  q.width = image.width;
  q.height = image.height;
  const Grey g = grey_of(image);
  q.bars = find_bars(g);
  measure_exposure(image, g, q.bars, q);
  q.sharpness = sharpness_of(g, q.bars);
  judge_scale(g, q.bars, q);
  return q;
}

PictureBars find_picture_bars(const Image8& image) { return find_bars(grey_of(image)); }

void add_exposure_faults(float luma_mean, float min_luma_mean, float max_luma_mean, std::vector<std::string>& faults) {
  if (min_luma_mean > 0 && luma_mean < min_luma_mean) {
    faults.push_back(fmt::format("too dark (mean luma {:.1f} < {:g})", luma_mean, min_luma_mean));
  }
  if (max_luma_mean > 0 && luma_mean > max_luma_mean) {
    faults.push_back(fmt::format("too bright (mean luma {:.1f} > {:g})", luma_mean, max_luma_mean));
  }
}

std::vector<std::string> quality_faults(const ImageQuality& q, const QualityGate& gate, bool bars_count) {
  std::vector<std::string> out;
  add_exposure_faults(q.luma_mean, gate.min_luma_mean, gate.max_luma_mean, out);
  if (gate.min_luma_spread > 0 && q.luma_spread < gate.min_luma_spread) {
    out.push_back(fmt::format("flat (luma spread {:.1f} < {:g})", q.luma_spread, gate.min_luma_spread));
  }
  const float clipped = q.clipped_dark + q.clipped_bright;
  if (gate.max_clipped > 0 && clipped > gate.max_clipped) {
    out.push_back(fmt::format("clipped ({:.0f}% of pixels black or white > {:.0f}%)", 100 * clipped,
                              100 * gate.max_clipped));
  }
  if (gate.min_sharpness > 0 && q.sharpness < gate.min_sharpness) {
    out.push_back(fmt::format("blurry (sharpness {:.1f} < {:g})", q.sharpness, gate.min_sharpness));
  }
  const int side = std::min(q.picture_width(), q.picture_height());
  if (gate.min_side > 0 && side < gate.min_side) {
    out.push_back(fmt::format("small (short side {} px < {})", side, gate.min_side));
  }
  if (gate.max_upscale > 0 && q.effective_scale > gate.max_upscale) {
    out.push_back(fmt::format("upscaled (about {}x from {}x{})", q.effective_scale,
                              q.picture_width() / q.effective_scale, q.picture_height() / q.effective_scale));
  }
  if (bars_count && gate.max_bars > 0 && q.bar_share() > gate.max_bars) {
    out.push_back(fmt::format("letterboxed ({:.0f}% of the area is black bars > {:.0f}%)", 100 * q.bar_share(),
                              100 * gate.max_bars));
  }
  return out;
}

std::string faults_text(const std::vector<std::string>& faults) { return fmt::format("{}", fmt::join(faults, "; ")); }

}  // namespace tagforge
