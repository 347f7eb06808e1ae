// From a YOLO detector's raw output to boxes on the image, as deepghs/imgutils
// does: drop candidates whose best class score is under the confidence,
// class-agnostic non-maximum suppression, boxes scaled from the input tensor's
// size back to the image's and clipped to it, corners rounded to whole pixels.
//   YOLOv8/v11 output: [1, 4 + classes, N] rows cx, cy, w, h, then scores.
//   YOLOv10 output:    [1, N, 6] x0, y0, x1, y1, score, class (already NMS-free).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tagforge/detection.h"

namespace tagforge {

struct YoloDecodeOptions {
  float confidence = 0.25f;
  float iou = 0.7f;
  int input_width = 0, input_height = 0;  // the tensor the model saw
  int image_width = 0, image_height = 0;  // the image the boxes are for
};

// Highest score first. Labels from `names` (a missing name: the class number).
// Returns an empty list for an output shape neither layout has.
std::vector<Detection> decode_yolo(std::span<const float> output, std::span<const int64_t> shape,
                                   const std::vector<std::string>& names, const YoloDecodeOptions& options);

// Indices of the boxes kept, highest score first: a box goes when it overlaps
// a kept, higher-scoring box by more than `iou_threshold`.
std::vector<size_t> non_max_suppression(const std::vector<Box>& boxes, const std::vector<float>& scores,
                                        float iou_threshold);

}  // namespace tagforge
