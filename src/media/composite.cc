#include "media/composite.h"

#include <cstddef>

namespace tagforge {
namespace {

// Pillow's alpha_composite of a pixel over opaque white, 8-bit arithmetic
// with 7 bits of precision, as in its AlphaComposite.c.
uint8_t over_white(uint8_t value, uint8_t alpha) {
  if (alpha == 0) return 255;
  constexpr uint32_t kPrecision = 7;
  const uint32_t a = alpha;
  const uint32_t outa255 = a * 255 + 255 * (255 - a);  // destination alpha is 255
  const uint32_t coef1 = a * 255 * 255 * (1u << kPrecision) / outa255;
  const uint32_t coef2 = 255 * (1u << kPrecision) - coef1;
  const uint32_t tmp = value * coef1 + 255 * coef2 + (0x80u << kPrecision);
  return static_cast<uint8_t>((((tmp >> 8) + tmp) >> 8) >> kPrecision);
}

}  // namespace

Image8 composite_on_white(const Image8& in, int canvas_width, int canvas_height) {
  Image8 out{canvas_width, canvas_height, 3,
             std::vector<uint8_t>(static_cast<std::size_t>(canvas_width) * canvas_height * 3, 255)};
  const int left = (canvas_width - in.width) / 2, top = (canvas_height - in.height) / 2;
  for (int y = 0; y < in.height; ++y) {
    const uint8_t* src = &in.pixels[static_cast<std::size_t>(y) * in.width * in.channels];
    uint8_t* dst = &out.pixels[(static_cast<std::size_t>(y + top) * canvas_width + left) * 3];
    for (int x = 0; x < in.width; ++x, src += in.channels, dst += 3) {
      switch (in.channels) {
        case 1: dst[0] = dst[1] = dst[2] = src[0]; break;
        case 3: dst[0] = src[0], dst[1] = src[1], dst[2] = src[2]; break;
        default:
          for (int c = 0; c < 3; ++c) dst[c] = over_white(src[c], src[3]);
          break;
      }
    }
  }
  return out;
}

}  // namespace tagforge
