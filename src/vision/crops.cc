#include "vision/crops.h"

#include <algorithm>
#include <cmath>

namespace tagforge {

namespace {

// Moves [lo, lo + len) inside [0, limit), keeping its length when it fits.
void fit(float& lo, float len, float limit) {
  len = std::min(len, limit);
  lo = std::clamp(lo, 0.0f, limit - len);
}

}  // namespace

std::optional<CropTarget> crop_target_from_name(std::string_view n) {
  if (n.size() > 1 && n.back() == 's') n.remove_suffix(1);  // "faces", as the seed's configs say
  if (n == "face") return CropTarget::kFace;
  if (n == "head") return CropTarget::kHead;
  if (n == "person") return CropTarget::kPerson;
  if (n == "torso") return CropTarget::kTorso;
  if (n == "subject") return CropTarget::kSubject;
  return std::nullopt;
}

Box snap_to_aspect(const Box& b, float aspect, int iw, int ih) {
  float w = b.width(), h = b.height();
  if (w / h < aspect) w = h * aspect;  // too narrow: widen
  else h = w / aspect;                 // too flat: heighten
  if (w > iw) w = float(iw), h = w / aspect;  // the image is the limit: shrink both
  if (h > ih) h = float(ih), w = h * aspect;
  float x0 = (b.x0 + b.x1) / 2 - w / 2, y0 = (b.y0 + b.y1) / 2 - h / 2;
  fit(x0, w, float(iw));
  fit(y0, h, float(ih));
  return Box{x0, y0, x0 + w, y0 + h};
}

std::optional<Box> crop_box(const Aseg& aseg, CropTarget target, const CropOptions& opt) {
  const int iw = aseg.image_width, ih = aseg.image_height;
  if (iw <= 0 || ih <= 0) return std::nullopt;
  Box box;
  switch (target) {
    case CropTarget::kFace:
    case CropTarget::kHead:
    case CropTarget::kPerson:
    case CropTarget::kTorso: {
      const char* label = target == CropTarget::kFace ? "face" : target == CropTarget::kHead ? "head" : "person";
      const AsegEntry* e = best_detection(aseg, label);
      if (!e) return std::nullopt;
      box = e->detection.box;
      if (target == CropTarget::kTorso) box.y1 = box.y0 + box.height() * opt.torso_share;
      break;
    }
    case CropTarget::kSubject: {
      const AsegMask* m = nullptr;
      for (const AsegMask& candidate : aseg.masks) {
        if (candidate.area_share > 0 && (!m || candidate.area_share > m->area_share)) m = &candidate;
      }
      if (!m) return std::nullopt;
      box = m->box;
      break;
    }
  }
  if (box.area() <= 0) return std::nullopt;
  const float mx = box.width() * opt.margin, my = box.height() * opt.margin;
  box = Box{std::max(0.0f, box.x0 - mx), std::max(0.0f, box.y0 - my), std::min(float(iw), box.x1 + mx),
            std::min(float(ih), box.y1 + my)};
  if (opt.snap == CropOptions::Snap::kSquare) {
    box = snap_to_aspect(box, 1.0f, iw, ih);
  } else if (opt.snap == CropOptions::Snap::kBucket && !opt.buckets.empty()) {
    const float aspect = box.width() / box.height();
    auto distance = [&](const std::pair<int, int>& b) { return std::abs(std::log(float(b.first) / b.second / aspect)); };
    const auto& best = *std::min_element(opt.buckets.begin(), opt.buckets.end(),
                                         [&](const auto& a, const auto& b) { return distance(a) < distance(b); });
    box = snap_to_aspect(box, float(best.first) / float(best.second), iw, ih);
  }
  // Whole pixels, inside the image.
  return Box{std::floor(box.x0), std::floor(box.y0), std::min(float(iw), std::ceil(box.x1)),
             std::min(float(ih), std::ceil(box.y1))};
}

}  // namespace tagforge
