#include "media/perceptual_hash.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <vector>

namespace tagforge {

namespace {

constexpr int kMaxSamples = 256;  // per side
constexpr int kGrid = 32, kLow = 8, kCentre = 8;
constexpr double kCentreFraction = 0.7;

// The positions sampled along one side of `n` pixels: every pixel up to
// kMaxSamples, else kMaxSamples evenly spread (each at its stretch's middle).
std::vector<int> sample_positions(int n) {
  const int count = std::min(n, kMaxSamples);
  std::vector<int> at(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) at[size_t(i)] = int((int64_t(2 * i + 1) * n) / (2 * count));
  return at;
}

// The grey image sampled on that grid (PIL's "L": 0.299 R + 0.587 G + 0.114 B).
struct Samples {
  int width = 0, height = 0;
  std::vector<float> grey;
};

Samples sample_grey(const Image8& im) {
  const std::vector<int> xs = sample_positions(im.width), ys = sample_positions(im.height);
  Samples s{int(xs.size()), int(ys.size()), {}};
  s.grey.resize(xs.size() * ys.size());
  float* out = s.grey.data();
  for (int y : ys) {
    const uint8_t* row = im.pixels.data() + size_t(y) * im.width * im.channels;
    for (int x : xs) {
      const uint8_t* p = row + size_t(x) * im.channels;
      float v;
      if (im.channels < 3) {
        v = p[0];
        if (im.channels == 2) v = (v * p[1] + 255.f * (255 - p[1])) / 255.f;
      } else {
        v = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
        if (im.channels == 4) v = (v * p[3] + 255.f * (255 - p[3])) / 255.f;  // on white
      }
      *out++ = v;
    }
  }
  return s;
}

// The mean of the samples in each of n x n cells of the region [x0, x0 + w) x [y0, y0 + h)
// (a sample belongs to the cell its position falls in); a cell without samples
// (a region smaller than n) takes the value of the sample nearest its middle.
std::vector<float> cell_means(const Samples& s, int x0, int y0, int w, int h, int n) {
  std::vector<float> sum(size_t(n) * n, 0.f);
  std::vector<int> count(size_t(n) * n, 0);
  std::vector<int> cx(static_cast<size_t>(w));
  for (int x = 0; x < w; ++x) cx[size_t(x)] = x * n / w;
  for (int y = 0; y < h; ++y) {
    const int cy = y * n / h;
    const float* row = s.grey.data() + size_t(y0 + y) * s.width + x0;
    float* srow = sum.data() + size_t(cy) * n;
    int* crow = count.data() + size_t(cy) * n;
    for (int x = 0; x < w; ++x) {
      srow[cx[size_t(x)]] += row[x];
      ++crow[cx[size_t(x)]];
    }
  }
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      const size_t i = size_t(y) * n + x;
      if (count[i]) {
        sum[i] /= float(count[i]);
      } else {
        const int sy = y0 + std::min(h - 1, (2 * y + 1) * h / (2 * n)), sx = x0 + std::min(w - 1, (2 * x + 1) * w / (2 * n));
        sum[i] = s.grey[size_t(sy) * s.width + sx];
      }
    }
  }
  return sum;
}

void mirror_rows(std::vector<float>& grid, int n) {
  for (int y = 0; y < n; ++y) std::reverse(grid.begin() + std::ptrdiff_t(y) * n, grid.begin() + std::ptrdiff_t(y + 1) * n);
}

float median(std::vector<float> v) {
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(mid), v.end());
  if (v.size() % 2) return v[mid];
  const float upper = v[mid];
  return (*std::max_element(v.begin(), v.begin() + std::ptrdiff_t(mid)) + upper) / 2;
}

// Bit i set where values[i] > threshold.
uint64_t bits_above(const std::vector<float>& values, float threshold) {
  uint64_t h = 0;
  for (size_t i = 0; i < 64; ++i) h |= uint64_t(values[i] > threshold) << i;
  return h;
}

const std::array<float, kLow * kGrid>& dct_basis() {
  static const std::array<float, kLow * kGrid> basis = [] {
    std::array<float, kLow * kGrid> b{};
    for (int k = 0; k < kLow; ++k)
      for (int i = 0; i < kGrid; ++i)
        b[size_t(k) * kGrid + i] = float(std::cos(std::numbers::pi * (2 * i + 1) * k / (2.0 * kGrid)));
    return b;
  }();
  return basis;
}

uint64_t dct_hash(const std::vector<float>& grid) {
  const auto& d = dct_basis();
  std::array<float, kLow * kGrid> rows{};  // the DCT along x of each row: 32 rows x 8
  for (int y = 0; y < kGrid; ++y)
    for (int k = 0; k < kLow; ++k) {
      float acc = 0;
      for (int x = 0; x < kGrid; ++x) acc += d[size_t(k) * kGrid + x] * grid[size_t(y) * kGrid + x];
      rows[size_t(y) * kLow + k] = acc;
    }
  std::vector<float> low(size_t(kLow) * kLow);  // [vertical frequency][horizontal frequency]
  for (int j = 0; j < kLow; ++j)
    for (int k = 0; k < kLow; ++k) {
      float acc = 0;
      for (int y = 0; y < kGrid; ++y) acc += d[size_t(j) * kGrid + y] * rows[size_t(y) * kLow + k];
      low[size_t(j) * kLow + k] = acc;
    }
  return bits_above(low, median(std::vector<float>(low.begin() + 1, low.end())));
}

uint64_t mean_hash(const std::vector<float>& cells) { return bits_above(cells, median(cells)); }

}  // namespace

PerceptualHash perceptual_hash(const Image8& image, GreyThumbnail* thumbnail) {
  static_assert(GreyThumbnail::kSide == kGrid);
  const Samples s = sample_grey(image);
  PerceptualHash h;
  std::vector<float> grid = cell_means(s, 0, 0, s.width, s.height, kGrid);
  if (thumbnail) {
    for (size_t i = 0; i < grid.size(); ++i) thumbnail->grey[i] = uint8_t(std::clamp(std::lround(grid[i]), 0L, 255L));
  }
  h.dct = dct_hash(grid);
  mirror_rows(grid, kGrid);
  h.dct_mirror = dct_hash(grid);

  const int cw = std::max(1, int(std::lround(s.width * kCentreFraction)));
  const int ch = std::max(1, int(std::lround(s.height * kCentreFraction)));
  std::vector<float> centre = cell_means(s, (s.width - cw) / 2, (s.height - ch) / 2, cw, ch, kCentre);
  h.centre = mean_hash(centre);
  mirror_rows(centre, kCentre);
  h.centre_mirror = mean_hash(centre);
  return h;
}

}  // namespace tagforge
