#include "media/frame_selection.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace tagforge {

namespace {

float similarity(const std::array<uint8_t, 32 * 32>& a, const std::array<uint8_t, 32 * 32>& b) {
  uint32_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff += uint32_t(std::abs(int(a[i]) - int(b[i])));
  return 1.0f - float(diff) / (255.0f * float(a.size()));
}

constexpr double kTimeSlack = 1e-6;  // timestamps that are equal up to rounding

}  // namespace

FrameSelector::FrameSelector(const SelectionSettings& settings, double duration) : s_(settings), duration_(duration) {
  if (s_.shift_sensitivity > 0) detector_.emplace(s_.shift_sensitivity);
  s_.minimum_frames = std::max(0, s_.minimum_frames);
}

int FrameSelector::slice_number(double time) const {
  if (s_.slice_seconds > 0) return int(std::floor(time / s_.slice_seconds + kTimeSlack));
  if (s_.forced_slices > 0 && duration_ > 0) {
    return std::min(s_.forced_slices - 1, int(std::floor(time / (duration_ / s_.forced_slices) + kTimeSlack)));
  }
  return 0;
}

bool FrameSelector::wants_features(double time) const {
  if (detector_) return true;
  if (slice_number(time) != current_fixed_ || slices_.empty()) return true;
  return s_.fps <= 0 || last_candidate_ < 0 || time + kTimeSlack >= last_candidate_ + 1.0 / s_.fps;
}

void FrameSelector::start_slice(double time, std::string why) {
  if (!slices_.empty()) close_slice(time);
  Slice s;
  s.start = time;
  s.started_by = std::move(why);
  slices_.push_back(std::move(s));
  last_candidate_ = -1;
  last_kept_.reset();
}

bool FrameSelector::add(int64_t index, double time, const FrameFeatures* f) {
  return admit(index, time, f) && accept(index, time, f);
}

bool FrameSelector::begin_frame(int64_t index, double time, const FrameFeatures* f) {
  // Slice boundaries: the first frame, fixed slicing, scene cuts.
  begun_ = index;
  pending_start_.reset();
  const int fixed = slice_number(time);
  if (slices_.empty()) {
    pending_start_ = "start";
    current_fixed_ = fixed;
  } else if (fixed != current_fixed_) {
    pending_start_ = "forced";
    current_fixed_ = fixed;
  } else if (detector_ && f && previous_) {
    const float change = content_change(*previous_, *f);
    if (detector_->is_cut(change)) pending_start_ = fmt::format("cut (change {:.1f})", change);
  }
  if (detector_ && f) previous_ = *f;
  return pending_start_.has_value();
}

bool FrameSelector::admit(int64_t index, double time, const FrameFeatures* f) {
  if (begun_ != index) begin_frame(index, time, f);
  begun_.reset();
  if (pending_start_) {
    start_slice(time, std::move(*pending_start_));
    pending_start_.reset();
  }
  // The fps cap, within the slice.
  if (s_.fps > 0 && last_candidate_ >= 0 && time + kTimeSlack < last_candidate_ + 1.0 / s_.fps) {
    slices_.back().pruned.push_back({index, time, "over the fps cap"});
    return false;
  }
  admitted_time_ = time;
  return true;
}

void FrameSelector::reject(int64_t index, double time, std::string why) {
  slices_.back().pruned.push_back({index, time, std::move(why)});
}

bool FrameSelector::accept(int64_t index, double time, const FrameFeatures* f) {
  last_candidate_ = admitted_time_;
  Candidate c{index, time, {}};
  if (f) c.grey = f->grey;
  candidates_.push_back(c);
  if (!decides_at_once()) return false;
  // The same test close_slice() applies, made now.
  if (last_kept_ && s_.similarity_threshold > 0 && similarity(*last_kept_, c.grey) >= s_.similarity_threshold) {
    return false;
  }
  last_kept_ = c.grey;
  return true;
}

void FrameSelector::close_slice(double end_time) {
  Slice& slice = slices_.back();
  slice.end = end_time;
  std::vector<bool> keep(candidates_.size(), false);
  std::vector<std::string> why(candidates_.size());

  // Similarity against the last kept frame.
  int last = -1;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    if (last >= 0 && s_.similarity_threshold > 0) {
      const float sim = similarity(candidates_[size_t(last)].grey, candidates_[i].grey);
      if (sim >= s_.similarity_threshold) {
        why[i] = fmt::format("similar ({:.3f}) to frame {}", sim, candidates_[size_t(last)].index);
        continue;
      }
    }
    keep[i] = true;
    last = int(i);
  }
  auto kept_count = [&] { return int(std::count(keep.begin(), keep.end(), true)); };
  auto distance = [&](size_t a, size_t b) {
    const double span = std::max(1e-9, slice.end - slice.start);
    return (1.0 - similarity(candidates_[a].grey, candidates_[b].grey)) +
           std::abs(candidates_[a].time - candidates_[b].time) / span;
  };
  // Too few: give pruned frames back, the most distinct from what is kept first.
  while (kept_count() < s_.minimum_frames) {
    int best = -1;
    double best_d = -1;
    for (size_t i = 0; i < candidates_.size(); ++i) {
      if (keep[i]) continue;
      double d = 1e9;
      for (size_t k = 0; k < candidates_.size(); ++k) {
        if (keep[k]) d = std::min(d, distance(i, k));
      }
      if (d > best_d) best_d = d, best = int(i);
    }
    if (best < 0) break;
    keep[size_t(best)] = true;
  }
  // Too many: the most distinct, spread over time, from the first kept frame on.
  if (s_.maximum_frames > 0 && kept_count() > s_.maximum_frames) {
    std::vector<size_t> pool, chosen;
    for (size_t i = 0; i < candidates_.size(); ++i) {
      if (keep[i]) pool.push_back(i);
    }
    chosen.push_back(pool.front());
    while (int(chosen.size()) < s_.maximum_frames) {
      size_t best = pool.front();
      double best_d = -1;
      for (size_t i : pool) {
        double d = 1e9;
        for (size_t k : chosen) d = std::min(d, distance(i, k));
        if (d > best_d) best_d = d, best = i;
      }
      chosen.push_back(best);
    }
    for (size_t i : pool) {
      if (std::find(chosen.begin(), chosen.end(), i) == chosen.end()) {
        keep[i] = false;
        why[i] = "over maximum_frames";
      }
    }
  }
  for (size_t i = 0; i < candidates_.size(); ++i) {
    if (keep[i]) slice.kept.push_back(candidates_[i].index);
    else slice.pruned.push_back({candidates_[i].index, candidates_[i].time, why[i]});
  }
  std::sort(slice.pruned.begin(), slice.pruned.end(),
            [](const PrunedFrame& a, const PrunedFrame& b) { return a.index < b.index; });
  candidates_.clear();
}

std::vector<Slice> FrameSelector::finish(double end_time) {
  if (!slices_.empty()) close_slice(end_time);
  return std::move(slices_);
}

}  // namespace tagforge
