// The models' eye on extracted frames (issue 7): `require_segments` keeps
// only frames where every listed label is found, and `crop_position` crops
// each kept frame to a face, head, person, torso or the subject, through the
// detectors and the segmenter the user configured. Asking for a label or a
// crop no configured model can give is a configuration error, not a no-op.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "infer/detector.h"
#include "infer/segmenter.h"
#include "media/extract.h"
#include "tagforge/error.h"
#include "vision/crops.h"

namespace tagforge {

struct FrameInspectorSettings {
  // Detector labels ("face", "person", …) or "subject" (the segmenter's mask
  // covering at least subject_min_share of the frame).
  std::vector<std::string> require_segments;
  std::string crop_position;  // "" (none), "face(s)", "head(s)", "person(s)", "torso(s)", "subject(s)"
  CropOptions crop;
  float subject_min_share = 0.01f;
};

// Null inspector (and no error) when nothing is asked for. Errors (kind
// kInvalidInput) say what was asked and which models are configured: a
// required label no detector names, a crop target without its model, an
// unknown crop position. Only the models that are needed run on each frame.
Result<FrameInspector> make_frame_inspector(const FrameInspectorSettings& settings,
                                            std::vector<std::shared_ptr<Detector>> detectors,
                                            std::shared_ptr<Segmenter> segmenter);

}  // namespace tagforge
