#include "vision/part_regions.h"

#include <algorithm>
#include <cmath>

namespace tagforge {

namespace {

void fill(Image8& mask, const Box& b, uint8_t v) {
  const int x0 = std::clamp(int(std::floor(b.x0)), 0, mask.width), x1 = std::clamp(int(std::ceil(b.x1)), 0, mask.width);
  const int y0 = std::clamp(int(std::floor(b.y0)), 0, mask.height), y1 = std::clamp(int(std::ceil(b.y1)), 0, mask.height);
  for (int y = y0; y < y1; ++y) std::fill_n(&mask.pixels[size_t(y) * mask.width + x0], std::max(0, x1 - x0), v);
}

// Fills the bounding box; false when the region is empty.
bool bound(Region& r) {
  int x0 = r.mask.width, y0 = r.mask.height, x1 = 0, y1 = 0;
  for (int y = 0; y < r.mask.height; ++y) {
    for (int x = 0; x < r.mask.width; ++x) {
      if (!r.mask.pixels[size_t(y) * r.mask.width + x]) continue;
      x0 = std::min(x0, x), x1 = std::max(x1, x + 1), y0 = std::min(y0, y), y1 = std::max(y1, y + 1);
    }
  }
  if (x1 <= x0) return false;
  r.x0 = x0, r.y0 = y0, r.x1 = x1, r.y1 = y1;
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
    fill(r.mask, head->detection.box, 255);
    // The face that overlaps this head most is cut out of it.
    const AsegEntry* face = nullptr;
    float most = 0;
    for (const AsegEntry& e : aseg.entries) {
      if (e.detection.label != "face") continue;
      const float o = intersection_area(e.detection.box, head->detection.box);
      if (o > most) most = o, face = &e;
    }
    if (face) fill(r.mask, face->detection.box, 0);
    r.source = "head minus face";
  } else if (subject) {
    int top = h, bottom = 0;
    for (int y = 0; y < h; ++y) {
      const uint8_t* row = &subject->pixels[size_t(y) * w];
      if (std::any_of(row, row + w, [](uint8_t v) { return v >= 128; })) top = std::min(top, y), bottom = y + 1;
    }
    if (bottom <= top) return std::nullopt;
    fill(r.mask, Box{0, float(top), float(w), float(top + std::max(1, (bottom - top) / 5))}, 255);
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
    fill(r.mask, Box{b.x0 + qw, b.y0 + qh, b.x1 - qw, b.y1 - qh}, 255);
    any = true;
  }
  if (!any || !bound(r)) return std::nullopt;
  auto colour = dominant_colour(image, &r.mask, r.x0, r.y0, r.x1, r.y1);
  if (!colour) return std::nullopt;
  return RegionColour{*colour, "eye boxes"};
}

}  // namespace tagforge
