#include "dedupe/aligned_check.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>

namespace tagforge {

namespace {

constexpr int kN = GreyThumbnail::kSide;
constexpr int kBlock = 4;
constexpr int kMaxSteps = 8;            // 10% in steps of 1.25%
constexpr float kStep = 0.0125f;
using Grid = std::array<float, kN * kN>;

Grid to_grid(const GreyThumbnail& t, bool mirror) {
  Grid g{};
  for (int y = 0; y < kN; ++y)
    for (int x = 0; x < kN; ++x) g[size_t(y * kN + x)] = t.grey[size_t(y * kN + (mirror ? kN - 1 - x : x))];
  return g;
}

// 1-2-1 along both axes, edges repeated.
Grid smooth(const Grid& g) {
  Grid h{}, out{};
  auto at = [](int i) { return std::clamp(i, 0, kN - 1); };
  for (int y = 0; y < kN; ++y)
    for (int x = 0; x < kN; ++x)
      h[size_t(y * kN + x)] = (g[size_t(y * kN + at(x - 1))] + 2 * g[size_t(y * kN + x)] + g[size_t(y * kN + at(x + 1))]) / 4;
  for (int y = 0; y < kN; ++y)
    for (int x = 0; x < kN; ++x)
      out[size_t(y * kN + x)] = (h[size_t(at(y - 1) * kN + x)] + 2 * h[size_t(y * kN + x)] + h[size_t(at(y + 1) * kN + x)]) / 4;
  return out;
}

struct Crop {
  int left = 0, right = 0, top = 0, bottom = 0;  // in steps
};

float mean_difference(const Grid& a, const Grid& b) {
  float sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += std::abs(a[i] - b[i]);
  return sum / float(a.size());
}

int largest_block_difference(const Grid& a, const Grid& b) {
  float largest = 0;
  for (int by = 0; by < kN; by += kBlock)
    for (int bx = 0; bx < kN; bx += kBlock) {
      float sum = 0;
      for (int y = by; y < by + kBlock; ++y)
        for (int x = bx; x < bx + kBlock; ++x) sum += std::abs(a[size_t(y * kN + x)] - b[size_t(y * kN + x)]);
      largest = std::max(largest, sum / float(kBlock * kBlock));
    }
  return int(std::lround(largest));
}

// The search's passes, split by axis (the crop, the resampling and the 1-2-1
// smoothing are each separable, so smooth(cropped(g, c)) is a horizontal pass
// that depends on the left and right edges only, then a vertical one): each
// (left, right)'s horizontal pass is made once, and a candidate crop costs one
// vertical pass, given up as soon as it is worse than the best so far.
class CropSearch {
 public:
  CropSearch(const Grid& from, const Grid& to) : from_(from), to_(to) {}

  // The mean difference to `to` of the crop's smoothed grid, or a value above `limit`
  // once it is sure to exceed it; the grid into `out` when asked.
  float cost(const Crop& c, float limit, Grid* out = nullptr) {
    const Grid& h = horizontal(c.left, c.right);
    // Resampled rows (bilinear, sample centres), then 1-2-1 down the columns, edges repeated.
    const float y0 = c.top * kStep * kN, y1 = kN - c.bottom * kStep * kN;
    std::array<float, kN * kN> v;
    for (int j = 0; j < kN; ++j) {
      const float y = std::clamp(y0 + (j + 0.5f) * (y1 - y0) / kN - 0.5f, 0.f, float(kN - 1));
      const int yi = int(y), yj = std::min(yi + 1, kN - 1);
      const float yf = y - float(yi);
      for (int i = 0; i < kN; ++i) v[size_t(j * kN + i)] = h[size_t(yi * kN + i)] * (1 - yf) + h[size_t(yj * kN + i)] * yf;
    }
    const float most = limit * float(kN * kN);
    float sum = 0;
    for (int j = 0; j < kN; ++j) {
      const size_t up = size_t(std::max(j - 1, 0) * kN), at = size_t(j * kN), down = size_t(std::min(j + 1, kN - 1) * kN);
      for (int i = 0; i < kN; ++i) {
        const float s = (v[up + size_t(i)] + 2 * v[at + size_t(i)] + v[down + size_t(i)]) / 4;
        if (out) (*out)[at + size_t(i)] = s;
        sum += std::abs(s - to_[at + size_t(i)]);
      }
      if (!out && sum > most) return limit + 1;  // worse than the best: no need to finish
    }
    return sum / float(kN * kN);
  }

 private:
  const Grid& horizontal(int left, int right) {
    Grid& h = rows_[size_t(left * (kMaxSteps + 1) + right)];
    bool& made = made_[size_t(left * (kMaxSteps + 1) + right)];
    if (made) return h;
    made = true;
    const float x0 = left * kStep * kN, x1 = kN - right * kStep * kN;
    std::array<int, kN> xi{}, xj{};
    std::array<float, kN> xf{};
    for (int i = 0; i < kN; ++i) {
      const float x = std::clamp(x0 + (i + 0.5f) * (x1 - x0) / kN - 0.5f, 0.f, float(kN - 1));
      xi[size_t(i)] = int(x);
      xj[size_t(i)] = std::min(xi[size_t(i)] + 1, kN - 1);
      xf[size_t(i)] = x - float(xi[size_t(i)]);
    }
    std::array<float, kN> row{};
    for (int y = 0; y < kN; ++y) {
      const size_t r = size_t(y * kN);
      for (int i = 0; i < kN; ++i) {
        row[size_t(i)] = from_[r + size_t(xi[size_t(i)])] * (1 - xf[size_t(i)]) + from_[r + size_t(xj[size_t(i)])] * xf[size_t(i)];
      }
      for (int i = 0; i < kN; ++i) {
        h[r + size_t(i)] = (row[size_t(std::max(i - 1, 0))] + 2 * row[size_t(i)] + row[size_t(std::min(i + 1, kN - 1))]) / 4;
      }
    }
    return h;
  }

  const Grid& from_;
  const Grid& to_;
  std::array<Grid, (kMaxSteps + 1) * (kMaxSteps + 1)> rows_;  // by left, right
  std::array<bool, (kMaxSteps + 1) * (kMaxSteps + 1)> made_{};
};

// The crop of `from` that brings it closest to `to` (both smoothed after the crop),
// by greedy steps of one or two along each edge; the smoothed crop is returned.
Grid aligned(const Grid& from, const Grid& to_smooth) {
  auto search = std::make_unique<CropSearch>(from, to_smooth);  // 300 KiB of passes: not on the stack
  Crop best;
  float best_cost = search->cost(best, std::numeric_limits<float>::max());
  for (bool moved = true; moved;) {
    moved = false;
    Crop step_best = best;
    for (int edge = 0; edge < 4; ++edge)
      for (int delta : {-2, -1, 1, 2}) {
        Crop c = best;
        int& v = edge == 0 ? c.left : edge == 1 ? c.right : edge == 2 ? c.top : c.bottom;
        v += delta;
        if (v < 0 || c.left + c.right > kMaxSteps || c.top + c.bottom > kMaxSteps) continue;
        const float cost = search->cost(c, best_cost);
        if (cost < best_cost) {
          best_cost = cost;
          step_best = c;
          moved = true;
        }
      }
    best = step_best;
  }
  Grid out{};
  search->cost(best, best_cost, &out);
  return out;
}

}  // namespace

int plain_mean_difference(const GreyThumbnail& a, const GreyThumbnail& b, bool mirror_b) {
  return int(std::lround(mean_difference(smooth(to_grid(a, false)), smooth(to_grid(b, mirror_b)))));
}

int aligned_block_difference(const GreyThumbnail& a, const GreyThumbnail& b, bool mirror_b) {
  const Grid ga = to_grid(a, false), gb = to_grid(b, mirror_b);
  const Grid sa = smooth(ga), sb = smooth(gb);
  const int plain = largest_block_difference(sa, sb);
  if (plain <= kSamePictureBlockDifference) return plain;  // a resize, a re-encode, an overlay: no search
  if (mean_difference(sa, sb) > kHopelessMeanDifference) return plain;  // other pictures: no search
  return std::min({plain, largest_block_difference(aligned(ga, sb), sb), largest_block_difference(aligned(gb, sa), sa)});
}

}  // namespace tagforge
