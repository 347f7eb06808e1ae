#include "vision/box_mask.h"

#include <algorithm>
#include <cmath>

#include "core/atomic_file.h"
#include "media/encode.h"

namespace tagforge {

void fill_box(Image8& mask, const Box& b, uint8_t value) {
  const int x0 = std::clamp(int(std::floor(b.x0)), 0, mask.width), x1 = std::clamp(int(std::ceil(b.x1)), 0, mask.width);
  const int y0 = std::clamp(int(std::floor(b.y0)), 0, mask.height), y1 = std::clamp(int(std::ceil(b.y1)), 0, mask.height);
  for (int y = y0; y < y1; ++y) std::fill_n(&mask.pixels[size_t(y) * mask.width + x0], std::max(0, x1 - x0), value);
}

std::string box_mask_png(int width, int height, const std::vector<Box>& boxes) {
  Image8 mask{width, height, 1, std::vector<uint8_t>(size_t(width) * height, 0)};
  for (const Box& b : boxes) fill_box(mask, b, 255);
  return mask_png(mask);
}

std::string mask_png(const Image8& mask) {
  auto png = encode_image(mask, "png", 0, "mask");
  return png ? std::move(*png) : std::string();  // a grey PNG fails only when memory does
}

MaskCoverage measure_mask(const Image8& mask) {
  MaskCoverage c;
  int x0 = mask.width, y0 = mask.height, x1 = 0, y1 = 0;
  size_t on = 0;
  for (int y = 0; y < mask.height; ++y) {
    const uint8_t* row = &mask.pixels[size_t(y) * mask.width];
    for (int x = 0; x < mask.width; ++x) {
      if (row[x] < 128) continue;
      ++on;
      x0 = std::min(x0, x), x1 = std::max(x1, x + 1);
      y0 = std::min(y0, y), y1 = std::max(y1, y + 1);
    }
  }
  if (on == 0) return c;
  c.area_share = float(double(on) / (double(mask.width) * mask.height));
  c.box = Box{float(x0), float(y0), float(x1), float(y1)};
  return c;
}

Status write_box_mask(const std::filesystem::path& file, int width, int height, const std::vector<Box>& boxes) {
  return write_file_atomic(file, box_mask_png(width, height, boxes), Overwrite::kReplace);
}

}  // namespace tagforge
