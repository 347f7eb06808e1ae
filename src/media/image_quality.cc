#include "media/image_quality.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

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

int luma_of(const uint8_t* p, int channels) {
  const int r = p[0], g = channels >= 3 ? p[1] : p[0], b = channels >= 3 ? p[2] : p[0];
  return (299 * r + 587 * g + 114 * b + 500) / 1000;
}

// Luma as the models see the image (alpha over white).
Grey grey_of(const Image8& in) {
  Grey g{in.width, in.height, std::vector<uint8_t>(size_t(in.width) * in.height)};
  const int c = in.channels;
  for (size_t i = 0, n = g.luma.size(); i < n; ++i) {
    const uint8_t* p = &in.pixels[i * c];
    int y = luma_of(p, c);
    const int alpha = c == 4 ? p[3] : 255;
    if (alpha < 255) y = (y * alpha + 255 * (255 - alpha) + 127) / 255;
    g.luma[i] = uint8_t(y);
  }
  return g;
}

// The exposure of the picture inside the bars, over its opaque pixels (their own luma).
void measure_exposure(const Image8& in, const PictureBars& b, ImageQuality& q) {
  double sum = 0, sum2 = 0;
  size_t opaque = 0, dark = 0, bright = 0;
  const int c = in.channels;
  for (int y = b.top; y < in.height - b.bottom; ++y) {
    for (int x = b.left; x < in.width - b.right; ++x) {
      const uint8_t* p = &in.pixels[(size_t(y) * in.width + x) * c];
      if (c == 4 && p[3] < 128) continue;
      const int v = luma_of(p, c);
      ++opaque;
      sum += v;
      sum2 += double(v) * v;
      dark += v <= 2;
      bright += v >= 253;
    }
  }
  if (opaque) {
    q.luma_mean = float(sum / opaque);
    q.luma_spread = float(std::sqrt(std::max(0.0, sum2 / opaque - (sum / opaque) * (sum / opaque))));
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
    std::vector<uint32_t> count(small.size());
    std::vector<uint32_t> sum(small.size());
    for (int y = 0; y < h; ++y) {
      const size_t row = size_t(int64_t(y) * sh / h) * sw;
      for (int x = 0; x < w; ++x) {
        const size_t i = row + size_t(int64_t(x) * sw / w);
        sum[i] += g.at(b.left + x, b.top + y);
        ++count[i];
      }
    }
    for (size_t i = 0; i < small.size(); ++i) small[i] = count[i] ? float(sum[i]) / float(count[i]) : 0.f;
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
  std::vector<float> level(size_t(w) * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) level[size_t(y) * w + x] = g.at(x0 + x, y0 + y);
  for (int k = 0; k < 4; ++k) {
    const int pw = w / 2, ph = h / 2;
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
  measure_exposure(image, q.bars, q);
  q.sharpness = sharpness_of(g, q.bars);
  judge_scale(g, q.bars, q);
  return q;
}

std::vector<std::string> quality_faults(const ImageQuality& q, const QualityGate& gate, bool bars_count) {
  std::vector<std::string> out;
  if (gate.min_luma_mean > 0 && q.luma_mean < gate.min_luma_mean) {
    out.push_back(fmt::format("too dark (mean luma {:.1f} < {:g})", q.luma_mean, gate.min_luma_mean));
  }
  if (gate.max_luma_mean > 0 && q.luma_mean > gate.max_luma_mean) {
    out.push_back(fmt::format("too bright (mean luma {:.1f} > {:g})", q.luma_mean, gate.max_luma_mean));
  }
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

}  // namespace tagforge
