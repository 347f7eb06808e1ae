// Which frames of a GIF or video to keep (issue 7), decided from the frames'
// times and features in one pass, before any frame is written:
//   - slices: the clip cut into forced_slices equal parts, or every
//     slice_seconds, and at every scene cut the ShiftDetector finds; each
//     slice is its own sub-video for every setting below;
//   - fps: at most this many frames a second (the first frame of a slice,
//     then each frame at least 1/fps after the previous candidate);
//   - similarity_threshold: a candidate at least this similar to the last
//     kept frame of its slice is pruned (0: off; 1: only identical frames);
//   - minimum_frames: a slice left with fewer gets pruned frames back, the
//     most distinct first;
//   - maximum_frames: a slice with more keeps the most distinct ones spread
//     over its time (farthest-point choice on dissimilarity plus time).
// Memory: a 1 KiB signature per candidate of the current slice.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "media/frame_features.h"

namespace tagforge {

struct SelectionSettings {
  double fps = 0;                    // 0: no cap
  int minimum_frames = 1;
  int maximum_frames = 0;            // 0: no maximum
  int forced_slices = 0;             // needs the clip's duration
  double slice_seconds = 0;          // 0: off
  float shift_sensitivity = 0;       // 0: no cut detection
  float similarity_threshold = 0;    // 0: no pruning
};

struct PrunedFrame {
  int64_t index = 0;
  double time = 0;
  std::string why;  // "over the fps cap", "similar (0.98) to frame 12", "over maximum_frames"
};

struct Slice {
  double start = 0, end = 0;  // seconds; end is the next slice's start or the last frame's end
  std::string started_by;     // "start", "forced", "cut (change 87.3)"
  std::vector<int64_t> kept;  // frame indices, in time order
  std::vector<PrunedFrame> pruned;
};

class FrameSelector {
 public:
  // `duration` in seconds, or <= 0 when unknown (forced_slices then needs it: ignored).
  FrameSelector(const SelectionSettings& settings, double duration);

  // Whether the next frame at `time` needs its features (a cut detector needs
  // every frame; otherwise only the frames the fps cap lets through).
  bool wants_features(double time) const;
  // With minimum_frames <= 1 and no maximum, nothing is given back or taken
  // away when a slice closes: a frame's fate is final the moment it is added.
  bool decides_at_once() const { return s_.minimum_frames <= 1 && s_.maximum_frames <= 0; }

  // Feeds every decoded frame in order; `features` may be null when not
  // wanted. When decides_at_once(), returns whether this frame is kept (so
  // it can be written at once); otherwise false, and finish() tells.
  // The same as admit() followed, when it is true, by accept().
  bool add(int64_t index, double time, const FrameFeatures* features);

  // add() in two steps, for a caller that screens candidates itself (for
  // require_segments): admit() starts slices and applies the fps cap, and is
  // true for a candidate; the caller then either accept()s it or reject()s it
  // with a reason. A rejected frame is pruned and does not count for the fps
  // cap, so the very next frame may stand in for it.
  bool admit(int64_t index, double time, const FrameFeatures* features);
  // A candidate's fps cap counts from the time admit() let it through, so
  // the caller may accept a later frame in its stead (the sharpest of a
  // window, frame_quality.h) without the sampling times drifting.
  bool accept(int64_t index, double time, const FrameFeatures* features);
  void reject(int64_t index, double time, std::string why);

  // Step one of admit(), for a caller that must settle a candidate of the
  // current slice before the next one starts: whether this frame starts a
  // slice (the cut detector sees it here). The slice starts in admit(), which
  // begins a frame itself when the caller did not. Frames come in order, and
  // one that starts a slice must be admitted (a frame that does not may be
  // left out of admit(): it is the caller's to prune).
  bool begin_frame(int64_t index, double time, const FrameFeatures* features);
  // The slice the last frame added belongs to (0 on).
  int current_slice() const { return int(slices_.size()) - 1; }
  // Closes the last slice and returns them all.
  std::vector<Slice> finish(double end_time);

 private:
  struct Candidate {
    int64_t index;
    double time;
    std::array<uint8_t, 32 * 32> grey;
  };
  void start_slice(double time, std::string why);
  void close_slice(double end_time);
  int slice_number(double time) const;  // of forced or fixed-length slicing

  SelectionSettings s_;
  double duration_;
  std::optional<ShiftDetector> detector_;
  std::optional<FrameFeatures> previous_;  // for content change
  std::vector<Slice> slices_;
  std::vector<Candidate> candidates_;   // of the current slice
  double last_candidate_ = -1;
  double admitted_time_ = -1;                 // of the last candidate admit() let through
  std::optional<int64_t> begun_;              // the frame begin_frame() looked at, until admitted
  std::optional<std::string> pending_start_;  // why that frame starts a slice
  std::optional<std::array<uint8_t, 32 * 32>> last_kept_;  // of the current slice, when deciding at once
  int current_fixed_ = 0;
};

}  // namespace tagforge
