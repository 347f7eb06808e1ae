#include "media/frame_features.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>

namespace tagforge {

namespace {

// RGB bytes -> OpenCV-style HSV bytes (H 0-179, S and V 0-255).
void to_hsv(uint8_t r, uint8_t g, uint8_t b, uint8_t* out) {
  const int mx = std::max({r, g, b}), mn = std::min({r, g, b});
  const int d = mx - mn;
  int h = 0;
  if (d) {
    if (mx == r) h = 60 * (g - b) / d;
    else if (mx == g) h = 120 + 60 * (b - r) / d;
    else h = 240 + 60 * (r - g) / d;
    if (h < 0) h += 360;
  }
  out[0] = uint8_t(h / 2);
  out[1] = uint8_t(mx ? 255 * d / mx : 0);
  out[2] = uint8_t(mx);
}

}  // namespace

FrameFeatures frame_features(const Image8& t) {
  FrameFeatures f;
  f.width = t.width;
  f.height = t.height;
  f.hsv.resize(size_t(t.width) * t.height * 3);
  std::vector<uint8_t> grey(size_t(t.width) * t.height);
  for (size_t i = 0, n = size_t(t.width) * t.height; i < n; ++i) {
    const uint8_t* p = &t.pixels[i * t.channels];
    uint8_t r = p[0], g = t.channels >= 3 ? p[1] : p[0], b = t.channels >= 3 ? p[2] : p[0];
    if (t.channels == 4) r = uint8_t(r * p[3] / 255), g = uint8_t(g * p[3] / 255), b = uint8_t(b * p[3] / 255);
    to_hsv(r, g, b, &f.hsv[i * 3]);
    grey[i] = uint8_t((299 * r + 587 * g + 114 * b + 500) / 1000);
  }
  // 32x32 by area averaging (each output cell: the mean of the pixels whose centres fall in it).
  std::array<uint32_t, 32 * 32> sum{}, count{};
  for (int y = 0; y < t.height; ++y) {
    const int cy = std::min(31, y * 32 / std::max(1, t.height));
    for (int x = 0; x < t.width; ++x) {
      const int cx = std::min(31, x * 32 / std::max(1, t.width));
      sum[size_t(cy) * 32 + cx] += grey[size_t(y) * t.width + x];
      ++count[size_t(cy) * 32 + cx];
    }
  }
  // Thumbnails smaller than 32 on a side leave cells empty: they take their nearest filled neighbour's value.
  for (int cy = 0; cy < 32; ++cy) {
    for (int cx = 0; cx < 32; ++cx) {
      const size_t i = size_t(cy) * 32 + cx;
      if (count[i]) {
        f.grey[i] = uint8_t(sum[i] / count[i]);
      } else {
        const int y = std::min(t.height - 1, cy * t.height / 32), x = std::min(t.width - 1, cx * t.width / 32);
        f.grey[i] = grey.empty() ? 0 : grey[size_t(std::max(0, y)) * t.width + std::max(0, x)];
      }
    }
  }
  return f;
}

float frame_similarity(const FrameFeatures& a, const FrameFeatures& b) {
  uint32_t diff = 0;
  for (size_t i = 0; i < a.grey.size(); ++i) diff += uint32_t(std::abs(int(a.grey[i]) - int(b.grey[i])));
  return 1.0f - float(diff) / (255.0f * float(a.grey.size()));
}

float content_change(const FrameFeatures& a, const FrameFeatures& b) {
  if (a.hsv.size() != b.hsv.size() || a.hsv.empty()) return 255.0f;  // not comparable: treat as a jump
  uint64_t sum = 0;
  for (size_t i = 0; i < a.hsv.size(); i += 3) {
    int dh = std::abs(int(a.hsv[i]) - int(b.hsv[i]));
    dh = std::min(dh, 180 - dh);  // hue is circular
    sum += uint64_t(dh) + uint64_t(std::abs(int(a.hsv[i + 1]) - int(b.hsv[i + 1]))) +
           uint64_t(std::abs(int(a.hsv[i + 2]) - int(b.hsv[i + 2])));
  }
  return float(double(sum) / 3.0 / double(a.hsv.size() / 3));
}

ShiftDetector::ShiftDetector(float sensitivity) {
  const float s = std::clamp(sensitivity, 0.01f, 1.0f);
  floor_ = 8.0f + 40.0f * (1.0f - s);
  ratio_ = 1.5f + 6.0f * (1.0f - s);
}

bool ShiftDetector::is_cut(float change) {
  bool cut = false;
  if (change >= floor_) {
    if (recent_.empty()) {
      cut = change >= floor_ * ratio_;  // no motion level yet: only a stark jump
    } else {
      const float mean = std::accumulate(recent_.begin(), recent_.end(), 0.0f) / float(recent_.size());
      cut = change >= ratio_ * std::max(mean, 1.0f);
    }
  }
  // A cut does not count towards the clip's motion level.
  if (!cut) {
    recent_.push_back(change);
    if (recent_.size() > 8) recent_.pop_front();
  }
  return cut;
}

}  // namespace tagforge
