#include "infer/yolo_decode.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tagforge {

std::vector<size_t> non_max_suppression(const std::vector<Box>& boxes, const std::vector<float>& scores,
                                        float iou_threshold) {
  std::vector<size_t> order(boxes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  std::vector<size_t> kept;
  for (size_t i : order) {
    bool overlaps = false;
    for (size_t k : kept) {
      if (iou(boxes[i], boxes[k]) > iou_threshold) {
        overlaps = true;
        break;
      }
    }
    if (!overlaps) kept.push_back(i);
  }
  return kept;
}

namespace {

struct Candidate {
  Box box;  // in input-tensor pixels
  float score;
  size_t cls;
};

float to_image(float v, int input, int image) {
  const float scaled = v / float(input) * float(image);
  return std::round(std::clamp(scaled, 0.0f, float(image)));
}

std::string label_of(size_t cls, const std::vector<std::string>& names) {
  return cls < names.size() ? names[cls] : std::to_string(cls);
}

}  // namespace

std::vector<Detection> decode_yolo(std::span<const float> out, std::span<const int64_t> shape,
                                   const std::vector<std::string>& names, const YoloDecodeOptions& opt) {
  std::vector<Candidate> candidates;
  bool nms_free = false;
  if (shape.size() == 3 && shape[0] == 1 && shape[1] > 4 && shape[2] >= 0 &&
      (names.empty() || size_t(shape[1]) == 4 + names.size())) {
    const size_t rows = size_t(shape[1]), n = size_t(shape[2]);
    if (out.size() != rows * n) return {};
    for (size_t j = 0; j < n; ++j) {
      size_t best = 0;
      for (size_t c = 1; c < rows - 4; ++c) {
        if (out[(4 + c) * n + j] > out[(4 + best) * n + j]) best = c;
      }
      const float score = out[(4 + best) * n + j];
      if (!(score > opt.confidence)) continue;
      const float cx = out[j], cy = out[n + j], w = out[2 * n + j], h = out[3 * n + j];
      candidates.push_back({Box{cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2}, score, best});
    }
  } else if (shape.size() == 3 && shape[0] == 1 && shape[2] == 6 && shape[1] >= 0) {
    nms_free = true;
    const size_t n = size_t(shape[1]);
    if (out.size() != n * 6) return {};
    for (size_t j = 0; j < n; ++j) {
      const float* r = &out[j * 6];
      if (!(r[4] > opt.confidence) || !(r[5] >= 0 && r[5] < 1e6f)) continue;  // a class number, not NaN or huge
      candidates.push_back({Box{r[0], r[1], r[2], r[3]}, r[4], size_t(r[5])});
    }
  } else {
    return {};
  }

  // A box the model could not say (NaN) is no box; infinities are clipped below.
  std::erase_if(candidates, [](const Candidate& c) {
    return std::isnan(c.box.x0) || std::isnan(c.box.y0) || std::isnan(c.box.x1) || std::isnan(c.box.y1);
  });
  std::vector<size_t> keep;
  if (nms_free) {
    keep.resize(candidates.size());
    std::iota(keep.begin(), keep.end(), 0);
    std::stable_sort(keep.begin(), keep.end(),
                     [&](size_t a, size_t b) { return candidates[a].score > candidates[b].score; });
  } else {
    std::vector<Box> boxes;
    std::vector<float> scores;
    for (const Candidate& c : candidates) {
      boxes.push_back(c.box);
      scores.push_back(c.score);
    }
    keep = non_max_suppression(boxes, scores, opt.iou);
  }
  std::vector<Detection> result;
  for (size_t k : keep) {
    const Candidate& c = candidates[k];
    Detection d;
    d.label = label_of(c.cls, names);
    d.score = c.score;
    d.box = Box{to_image(c.box.x0, opt.input_width, opt.image_width), to_image(c.box.y0, opt.input_height, opt.image_height),
                to_image(c.box.x1, opt.input_width, opt.image_width), to_image(c.box.y1, opt.input_height, opt.image_height)};
    result.push_back(std::move(d));
  }
  return result;
}

}  // namespace tagforge
