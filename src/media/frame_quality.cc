#include "media/frame_quality.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace tagforge {

void SliceSharpness::add(double time, float sharpness) {
  const int64_t slot = interval_ > 0 ? int64_t(std::floor(time / interval_ + 1e-6)) : count_;
  ++count_;
  auto [it, fresh] = best_.emplace(slot, sharpness);
  if (!fresh) it->second = std::max(it->second, sharpness);
}

float SliceSharpness::median() const {
  if (best_.empty()) return 0;
  std::vector<float> v;
  v.reserve(best_.size());
  for (const auto& [slot, s] : best_) v.push_back(s);
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + ptrdiff_t(mid), v.end());
  if (v.size() % 2) return v[mid];
  const float upper = v[mid];
  return (*std::max_element(v.begin(), v.begin() + ptrdiff_t(mid)) + upper) / 2;
}

std::vector<std::string> frame_faults(float sharpness, float slice_median, const ImageQuality& q,
                                      const FrameGateSettings& gate) {
  std::vector<std::string> faults;
  if (gate.min_relative_sharpness > 0 && sharpness < gate.min_relative_sharpness * slice_median) {
    faults.push_back(fmt::format("blurry (sharpness {:.1f} < {:g} x the slice's median {:.1f})", sharpness,
                                 gate.min_relative_sharpness, slice_median));
  }
  add_exposure_faults(q.luma_mean, gate.min_luma_mean, gate.max_luma_mean, faults);
  return faults;
}

Box picture_box(const ImageQuality& q) {
  return Box{float(q.bars.left), float(q.bars.top), float(q.width - q.bars.right), float(q.height - q.bars.bottom)};
}

}  // namespace tagforge
