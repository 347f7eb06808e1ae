#include "vision/box_mask.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cmath>

#include "core/atomic_file.h"

namespace tagforge {

std::string box_mask_png(int width, int height, const std::vector<Box>& boxes) {
  cv::Mat mask(height, width, CV_8UC1, cv::Scalar(0));
  for (const Box& b : boxes) {
    const int x0 = std::clamp(int(std::floor(b.x0)), 0, width), y0 = std::clamp(int(std::floor(b.y0)), 0, height);
    const int x1 = std::clamp(int(std::ceil(b.x1)), 0, width), y1 = std::clamp(int(std::ceil(b.y1)), 0, height);
    if (x1 > x0 && y1 > y0) mask(cv::Rect(x0, y0, x1 - x0, y1 - y0)).setTo(255);
  }
  std::vector<uint8_t> png;
  cv::imencode(".png", mask, png);
  return std::string(png.begin(), png.end());
}

Status write_box_mask(const std::filesystem::path& file, int width, int height, const std::vector<Box>& boxes) {
  return write_file_atomic(file, box_mask_png(width, height, boxes), Overwrite::kReplace);
}

}  // namespace tagforge
