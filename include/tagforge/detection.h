// What a detector found in an image: a labelled, scored box in the image's
// own pixel coordinates (x0, y0 inclusive top-left; x1, y1 exclusive).
#pragma once

#include <algorithm>
#include <string>

namespace tagforge {

struct Box {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;

  float width() const { return std::max(0.0f, x1 - x0); }
  float height() const { return std::max(0.0f, y1 - y0); }
  float area() const { return width() * height(); }
  bool operator==(const Box&) const = default;
};

inline float intersection_area(const Box& a, const Box& b) {
  const Box i{std::max(a.x0, b.x0), std::max(a.y0, b.y0), std::min(a.x1, b.x1), std::min(a.y1, b.y1)};
  return i.area();
}

// Intersection over union; 0 for two empty boxes.
inline float iou(const Box& a, const Box& b) {
  const float inter = intersection_area(a, b);
  const float uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.0f;
}

struct Detection {
  std::string model;  // the model folder's name (or its profile's `name`)
  std::string label;  // "face", "head", "person", "hand", …
  float score = 0;
  Box box;
};

}  // namespace tagforge
