#include "vision/part_regions.h"

#include <algorithm>

#include "vision/box_mask.h"

namespace tagforge {

namespace {

// Fills the region's bounding box from its mask; false when the region is empty.
bool bound(Region& r) {
  const MaskCoverage c = measure_mask(r.mask);
  if (c.area_share == 0) return false;
  r.x0 = int(c.box.x0), r.y0 = int(c.box.y0), r.x1 = int(c.box.x1), r.y1 = int(c.box.y1);
  return true;
}

}  // namespace

std::optional<Region> hair_region(const Aseg& aseg, const Image8* subject) {
  const int w = aseg.image_width, h = aseg.image_height;
  if (w <= 0 || h <= 0) return std::nullopt;
  if (subject && (subject->width != w || subject->height != h || subject->channels != 1)) subject = nullptr;
  Region r;
  r.mask = Image8{w, h, 1, std::vector<uint8_t>(size_t(w) * h, 0)};

  if (const AsegEntry* head = best_detection(aseg, "head")) {
    fill_box(r.mask, head->detection.box, 255);
    // The face that overlaps this head most is cut out of it.
    const AsegEntry* face = nullptr;
    float most = 0;
    for (const AsegEntry& e : aseg.entries) {
      if (e.detection.label != "face") continue;
      const float o = intersection_area(e.detection.box, head->detection.box);
      if (o > most) most = o, face = &e;
    }
    if (face) fill_box(r.mask, face->detection.box, 0);
    r.source = "head minus face";
  } else if (subject) {
    const MaskCoverage figure = measure_mask(*subject);
    if (figure.area_share == 0) return std::nullopt;
    const int top = int(figure.box.y0), bottom = int(figure.box.y1);
    fill_box(r.mask, Box{0, float(top), float(w), float(top + std::max(1, (bottom - top) / 5))}, 255);
    r.source = "top of the subject";
  } else {
    return std::nullopt;
  }
  if (subject) {
    for (size_t i = 0; i < r.mask.pixels.size(); ++i) {
      if (subject->pixels[i] < 128) r.mask.pixels[i] = 0;
    }
  }
  if (!bound(r)) return std::nullopt;
  return r;
}

std::optional<RegionColour> measure_hair(const Image8& image, const Aseg& aseg, const Image8* subject) {
  if (image.width != aseg.image_width || image.height != aseg.image_height) return std::nullopt;
  auto region = hair_region(aseg, subject);
  if (!region) return std::nullopt;
  auto colour = dominant_colour(image, &region->mask, region->x0, region->y0, region->x1, region->y1);
  if (!colour) return std::nullopt;
  return RegionColour{*colour, region->source};
}

std::optional<RegionColour> measure_eyes(const Image8& image, const Aseg& aseg) {
  if (image.width != aseg.image_width || image.height != aseg.image_height) return std::nullopt;
  Region r;
  r.mask = Image8{image.width, image.height, 1, std::vector<uint8_t>(size_t(image.width) * image.height, 0)};
  bool any = false;
  for (const AsegEntry& e : aseg.entries) {
    if (e.detection.label != "eye" && e.detection.label != "eyes") continue;
    const Box& b = e.detection.box;
    const float qw = b.width() / 4, qh = b.height() / 4;
    fill_box(r.mask, Box{b.x0 + qw, b.y0 + qh, b.x1 - qw, b.y1 - qh}, 255);
    any = true;
  }
  if (!any || !bound(r)) return std::nullopt;
  auto colour = dominant_colour(image, &r.mask, r.x0, r.y0, r.x1, r.y1);
  if (!colour) return std::nullopt;
  return RegionColour{*colour, "eye boxes"};
}

}  // namespace tagforge
