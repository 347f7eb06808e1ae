// Where an image's hair and eyes are, from what the detectors and the
// segmenter found, and their colours.
// Hair: a head box minus the face box inside it (head and face detectors),
// kept to the subject mask when there is one; else the top fifth of the
// subject mask's figure. Eyes: the eye boxes (an eye detector, label "eye").
#pragma once

#include <optional>
#include <string>

#include "media/resample.h"
#include "vision/aseg.h"
#include "vision/colour.h"

namespace tagforge {

struct Region {
  Image8 mask;  // one channel, the image's size: 255 inside
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // its bounding box
  std::string source;                  // "head minus face" or "top of the subject"
};

// `subject` may be null (no segmenter ran). nullopt: nothing to go on.
std::optional<Region> hair_region(const Aseg& aseg, const Image8* subject);

struct RegionColour {
  DominantColour colour;
  std::string source;  // Region::source
};

// The dominant colour of the hair region of `image` (the size the .aseg says).
std::optional<RegionColour> measure_hair(const Image8& image, const Aseg& aseg, const Image8* subject);

// The dominant colour inside the eye boxes (the middle half of each box, away
// from lashes and skin), or nullopt without eye detections.
std::optional<RegionColour> measure_eyes(const Image8& image, const Aseg& aseg);

}  // namespace tagforge
