#include "media/jpeg_header.h"

namespace tagforge {

std::optional<PixelSize> jpeg_pixel_size(std::span<const uint8_t> b) {
  if (b.size() < 4 || b[0] != 0xFF || b[1] != 0xD8) return std::nullopt;
  size_t i = 2;
  while (i + 4 <= b.size()) {
    if (b[i] != 0xFF) return std::nullopt;  // segments follow each other back to back
    const uint8_t marker = b[i + 1];
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // no length
      i += 2;
      continue;
    }
    if (marker == 0xD9 || marker == 0xDA) return std::nullopt;  // end, or scan data before a frame
    const size_t length = size_t(b[i + 2]) << 8 | b[i + 3];
    if (length < 2) return std::nullopt;
    // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC).
    const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame) {
      if (length < 7 || i + 9 > b.size()) return std::nullopt;
      PixelSize size;
      size.height = int(b[i + 5]) << 8 | b[i + 6];
      size.width = int(b[i + 7]) << 8 | b[i + 8];
      if (size.width == 0 || size.height == 0) return std::nullopt;
      return size;
    }
    i += 2 + length;
  }
  return std::nullopt;
}

}  // namespace tagforge
