#include "infer/tagger_input.h"

#include <algorithm>

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

TaggerInputSpec wd_v3_input(int size) {
  TaggerInputSpec s;
  s.size = size;
  return s;
}

TaggerInputSpec joytag_input(int size) {
  TaggerInputSpec s;
  s.size = size;
  s.layout = TaggerInputSpec::Layout::kNCHW;
  s.bgr = false;
  s.scale = 1.0f / 255.0f;
  s.mean = {0.48145466f, 0.4578275f, 0.40821073f};  // CLIP's
  s.std = {0.26862954f, 0.26130258f, 0.27577711f};
  return s;
}

Image8 composite_and_pad_square(const Image8& in) {
  const int side = std::max(in.width, in.height);
  Image8 out{side, side, 3, std::vector<uint8_t>(static_cast<size_t>(side) * side * 3, 255)};
  const int left = (side - in.width) / 2, top = (side - in.height) / 2;
  for (int y = 0; y < in.height; ++y) {
    const uint8_t* src = &in.pixels[static_cast<size_t>(y) * in.width * in.channels];
    uint8_t* dst = &out.pixels[(static_cast<size_t>(y + top) * side + left) * 3];
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

void append_tagger_input(const Image8& image, const TaggerInputSpec& spec, std::vector<float>& out) {
  Image8 square = composite_and_pad_square(image);
  if (square.width != spec.size) square = resize_bicubic_like_pil(square, spec.size, spec.size);
  const size_t n = static_cast<size_t>(spec.size) * spec.size;
  const size_t base = out.size();
  out.resize(base + n * 3);
  for (size_t i = 0; i < n; ++i) {
    for (int c = 0; c < 3; ++c) {
      const int src_channel = spec.bgr ? 2 - c : c;
      const float v = (square.pixels[i * 3 + static_cast<size_t>(src_channel)] * spec.scale - spec.mean[static_cast<size_t>(c)]) /
                      spec.std[static_cast<size_t>(c)];
      const size_t at = spec.layout == TaggerInputSpec::Layout::kNHWC ? i * 3 + static_cast<size_t>(c)
                                                                      : static_cast<size_t>(c) * n + i;
      out[base + at] = v;
    }
  }
}

}  // namespace tagforge
