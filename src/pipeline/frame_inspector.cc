#include "pipeline/frame_inspector.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "pipeline/stages/detect_stage.h"
#include "pipeline/stages/segment_stage.h"
#include "vision/aseg.h"
#include "vision/box_mask.h"

namespace tagforge {

namespace {

bool names_label(const Detector& d, const std::string& label) {
  return std::find(d.names().begin(), d.names().end(), label) != d.names().end();
}

// "detectors: face.onnx (face), persons (person, hand); segmenter: isnet" for errors.
std::string configured(const std::vector<std::shared_ptr<Detector>>& detectors, const Segmenter* segmenter) {
  std::vector<std::string> parts;
  for (const auto& d : detectors) parts.push_back(fmt::format("{} ({})", d->profile().name, fmt::join(d->names(), ", ")));
  return fmt::format("detectors: {}; segmenter: {}", parts.empty() ? "none" : fmt::format("{}", fmt::join(parts, ", ")),
                     segmenter ? segmenter->profile().name : "none");
}

const char* detector_label(CropTarget t) {
  switch (t) {
    case CropTarget::kFace: return "face";
    case CropTarget::kHead: return "head";
    case CropTarget::kPerson:
    case CropTarget::kTorso: return "person";
    case CropTarget::kSubject: return nullptr;
  }
  return nullptr;
}

}  // namespace

Result<FrameInspector> make_frame_inspector(const FrameInspectorSettings& s,
                                            std::vector<std::shared_ptr<Detector>> detectors,
                                            std::shared_ptr<Segmenter> segmenter) {
  std::optional<CropTarget> target;
  if (!s.crop_position.empty()) {
    target = crop_target_from_name(s.crop_position);
    if (!target) {
      return Error{ErrorCode::kInvalidInput,
                   fmt::format("crop_position \"{}\" is none of face, head, person, torso, subject", s.crop_position), {}};
    }
  }
  if (s.require_segments.empty() && !target) return FrameInspector{};

  // Which labels must be found, and which models that takes.
  std::vector<std::string> labels = s.require_segments;
  if (target && detector_label(*target)) labels.push_back(detector_label(*target));
  bool need_mask = target == CropTarget::kSubject;
  std::vector<std::shared_ptr<Detector>> used;
  for (const std::string& label : labels) {
    if (label == "subject") {
      need_mask = true;
      continue;
    }
    auto it = std::find_if(detectors.begin(), detectors.end(), [&](const auto& d) { return names_label(*d, label); });
    if (it == detectors.end()) {
      const bool required = std::find(s.require_segments.begin(), s.require_segments.end(), label) !=
                            s.require_segments.end();
      return Error{ErrorCode::kInvalidInput,
                   fmt::format("{}, but no configured detector finds \"{}\" ({})",
                               required ? fmt::format("require_segments lists \"{}\"", label)
                                        : fmt::format("crop_position is \"{}\"", s.crop_position),
                               label, configured(detectors, segmenter.get())),
                   {}};
    }
    if (std::find(used.begin(), used.end(), *it) == used.end()) used.push_back(*it);
  }
  if (need_mask && !segmenter) {
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("\"subject\" needs a segmenter, and none is configured ({})",
                             configured(detectors, nullptr)), {}};
  }
  if (!need_mask) segmenter.reset();

  return FrameInspector([s, target, used = std::move(used), segmenter](const Image8& frame) -> Result<FrameLook> {
    auto found = detect_all(used, frame, frame.width, frame.height);  // as the detect stage finds them
    if (!found) return found.error();
    Aseg aseg = make_aseg(frame.width, frame.height, std::move(*found));
    if (segmenter) {
      auto subject = segment_subject(*segmenter, frame, {});  // as the segment stage makes it, kept in memory
      if (!subject) return subject.error();
      const MaskCoverage& cover = subject->cover;
      aseg.masks.push_back(AsegMask{segmenter->profile().name, "subject", cover.area_share, cover.box, {}});
    }
    FrameLook look;
    std::vector<std::string> missing;
    for (const std::string& label : s.require_segments) {
      const bool has = label == "subject"
                           ? !aseg.masks.empty() && aseg.masks.front().area_share >= s.subject_min_share
                           : best_detection(aseg, label) != nullptr;
      if (!has) missing.push_back(label);
    }
    if (!missing.empty()) {
      look.missing = fmt::format("{}", fmt::join(missing, ", "));
      return look;
    }
    if (target) {
      look.crop = crop_box(aseg, *target, s.crop);
      if (!look.crop) look.missing = fmt::format("nothing to crop to ({})", s.crop_position);
    }
    return look;
  });
}

}  // namespace tagforge
