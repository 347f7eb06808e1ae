// The detect stage: faces, heads, persons, hands (imgutils' YOLO detectors),
// every configured detector over the image. Result: {"width", "height",
// "detections": [{"model", "label", "score", "box"}]}, boxes in the image's
// pixels. `tagforge detect` runs detect_all too.
#pragma once

#include <memory>
#include <vector>

#include "infer/detector.h"
#include "pipeline/stages/item_stage.h"

namespace tagforge {

const ItemStage& detect_stage();

// What every detector finds in `image` (decoded at any size), boxed in the
// pixels of the full image of `width` x `height`; the first error stops it.
Result<std::vector<Detection>> detect_all(std::span<const std::shared_ptr<Detector>> detectors, const Image8& image,
                                          int width, int height);

}  // namespace tagforge
