// Crop boxes for `crop_position`: around the best face, head, person, the
// upper part of a person (torso), or the subject mask's bounding box, with a
// margin, optionally snapped to a square or to the aspect ratio of the
// nearest training bucket, and always inside the image.
#pragma once

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "vision/aseg.h"

namespace tagforge {

enum class CropTarget { kFace, kHead, kPerson, kTorso, kSubject };
std::optional<CropTarget> crop_target_from_name(std::string_view name);  // "face" or "faces", "head(s)", …

struct CropOptions {
  float margin = 0.15f;  // added on every side, as a share of the box's width or height
  enum class Snap { kNone, kSquare, kBucket } snap = Snap::kNone;
  // Width x height of the buckets to snap to (SDXL's, as kohya's trainers bucket at 1024).
  std::vector<std::pair<int, int>> buckets = {{1024, 1024}, {1152, 896}, {896, 1152}, {1216, 832}, {832, 1216},
                                              {1344, 768},  {768, 1344}, {1536, 640}, {640, 1536}};
  float torso_share = 0.5f;  // the upper share of a person box that is the torso
};

// nullopt when the .aseg has nothing of that kind (no such detection, no mask).
// Whole pixels; x1, y1 exclusive.
std::optional<Box> crop_box(const Aseg& aseg, CropTarget target, const CropOptions& options);

// The box grown (never shrunk unless the image is too small) to the aspect
// ratio width/height, centred on it and moved inside the image.
Box snap_to_aspect(const Box& box, float aspect, int image_width, int image_height);

}  // namespace tagforge
