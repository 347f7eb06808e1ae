// Cheap measures of frames for extraction (issue 7), computed on thumbnails:
//   similarity: 1 - mean |a - b| / 255 over 32x32 grey images (area
//     averaged): 1 for identical frames, about 0.9 for a small motion, low
//     for different pictures;
//   content change: the mean over pixels of (|dH| + |dS| + |dV|) / 3 between
//     two frames' HSV thumbnails (hue on 0-179, saturation and value 0-255),
//     as PySceneDetect's ContentDetector measures it;
//   ShiftDetector: a scene cut is a content change both above a floor and
//     several times the clip's recent level, so a busy clip's motion is not
//     taken for cuts and a calm clip's real cut is not missed.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <vector>

#include "media/resample.h"

namespace tagforge {

struct FrameFeatures {
  std::array<uint8_t, 32 * 32> grey{};  // for similarity
  std::vector<uint8_t> hsv;             // thumbnail-sized, 3 bytes a pixel, for content change
  int width = 0, height = 0;            // of the HSV thumbnail
};

// From a thumbnail (RGB or RGBA; alpha composited on black, as a frame would show).
FrameFeatures frame_features(const Image8& thumbnail);

float frame_similarity(const FrameFeatures& a, const FrameFeatures& b);
// REQUIRES: thumbnails of one size (one clip).
float content_change(const FrameFeatures& a, const FrameFeatures& b);

class ShiftDetector {
 public:
  // sensitivity in (0, 1]; the mapping to thresholds (docs): a cut needs
  //   change >= floor = 8 + 40 * (1 - sensitivity)      (of 255)
  //   change >= ratio * the mean of the previous changes (up to 8),
  //   ratio = 1.5 + 6 * (1 - sensitivity)
  // so 1 finds any clear jump, 0.5 (floor 28, ratio 4.5) the cuts a viewer sees,
  // 0.1 only the starkest. Before any change has been seen, a cut needs
  // floor * ratio.
  explicit ShiftDetector(float sensitivity);
  // Feeds the change from the previous frame to this one; true: this frame starts a new scene.
  bool is_cut(float change);
  float floor() const { return floor_; }
  float ratio() const { return ratio_; }

 private:
  float floor_, ratio_;
  std::deque<float> recent_;
};

}  // namespace tagforge
