// The size of a JPEG from its frame header (SOFn), read without decoding:
// what picks the scale of a reduced-size decode before decoding starts.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace tagforge {

struct PixelSize {
  int width = 0, height = 0;
};

// nullopt unless `bytes` starts a JPEG whose frame header lies inside them.
std::optional<PixelSize> jpeg_pixel_size(std::span<const uint8_t> bytes);

}  // namespace tagforge
