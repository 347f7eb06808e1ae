// The quality gate for frames (issue 24). A still is judged against fixed
// limits (image_quality.h); a frame is judged against its own clip, since a
// soft clip is not made of bad frames, only its blurred moments are:
//   sharpest in a window: after each sampling time the fps cap lets through,
//     the frames of the next `sharpest_window` share of the sampling interval
//     (within the slice) are measured on a thumbnail kFrameGateSide on its
//     long side (sharpness as image_quality.h measures it, at that size, so
//     the figures are not on a still's scale), and the sharpest of
//     them stands for the window, as ffmpeg's `thumbnail` filter picks a
//     representative frame of a run (a later frame only when it is
//     kClearlySharper than the best so far: the frame on the time is kept
//     when the others are about as sharp);
//   blurry: that frame's sharpness under min_relative_sharpness times the
//     median so far of its slice (SliceSharpness): a scene, when cut
//     detection is on, so a flat scene (a sky, colour bars) is not called
//     blurry beside a detailed one;
//   too dark, too bright: the mean luma of the picture inside its bars;
//   bars: cropped away before any model sees the frame (crop_bars).
// A window whose best frame fails is pruned with the reason, and the next
// frame opens another window; a slice with no good frame yields none.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "media/image_quality.h"
#include "tagforge/detection.h"

namespace tagforge {

inline constexpr float kClearlySharper = 1.1f;
// The thumbnail's long side: a grey 256-px thumbnail of a 720p frame and its
// measures cost about 0.55 ms on the test machine (bench_extract's clip),
// and blur of a few pixels at full size still shows at that scale.
inline constexpr int kFrameGateSide = 256;

struct FrameGateSettings {
  bool enabled = true;                 // false: the frame on each sampling time, as it is
  double sharpest_window = 0.25;       // share of the sampling interval (1/fps) searched; 0: the frame on the time
  float min_relative_sharpness = 0.3f; // of the slice's median sharpness; 0: off
  float min_luma_mean = 16;            // darker: "too dark"; 0: off
  float max_luma_mean = 240;           // brighter: "too bright"; 0: off
  bool crop_bars = true;               // crop letterbox and pillarbox bars away
};

// A slice's sharpness so far: one figure per sampling interval, the
// sharpest frame measured in it. A blurred stretch, where every frame gets
// measured while the gate looks for a good one, so weighs no more than a
// sharp one, where only each window's frames are. The first window of a
// slice is judged against itself: a slice that opens blurred keeps its
// opening frame (one pass has no look ahead).
class SliceSharpness {
 public:
  explicit SliceSharpness(double interval) : interval_(interval) {}
  void add(double time, float sharpness);
  float median() const;  // 0 before the first add

 private:
  double interval_;               // <= 0: every figure its own interval
  std::map<int64_t, float> best_; // interval number -> sharpest
  int64_t count_ = 0;
};

// Why a frame fails the gate, one phrase each with its figures ("blurry
// (sharpness 3.1 < 0.3 x the slice's median 41.7)"); empty: it passes.
// `sharpness` is the window's measure (on the thumbnail), `picture` the
// frame's own measures at full size.
std::vector<std::string> frame_faults(float sharpness, float slice_median, const ImageQuality& picture,
                                      const FrameGateSettings& gate);

// The picture inside the bars, in the frame's pixels (the whole frame when none).
Box picture_box(const ImageQuality& q);

}  // namespace tagforge
