#include "infer/tagger_input.h"

#include <algorithm>

#include "media/composite.h"

namespace tagforge {

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
  return composite_on_white(in, side, side);
}

void write_tagger_input(const Image8& image, const TaggerInputSpec& spec, std::span<float> out) {
  Image8 square = composite_and_pad_square(image);
  if (square.width != spec.size) square = resize_bicubic_like_pil(square, spec.size, spec.size);
  const size_t n = static_cast<size_t>(spec.size) * spec.size;
  for (size_t i = 0; i < n; ++i) {
    for (int c = 0; c < 3; ++c) {
      const int src_channel = spec.bgr ? 2 - c : c;
      const float v = (square.pixels[i * 3 + static_cast<size_t>(src_channel)] * spec.scale - spec.mean[static_cast<size_t>(c)]) /
                      spec.std[static_cast<size_t>(c)];
      const size_t at = spec.layout == TaggerInputSpec::Layout::kNHWC ? i * 3 + static_cast<size_t>(c)
                                                                      : static_cast<size_t>(c) * n + i;
      out[at] = v;
    }
  }
}

void append_tagger_input(const Image8& image, const TaggerInputSpec& spec, std::vector<float>& out) {
  const size_t base = out.size();
  out.resize(base + static_cast<size_t>(spec.size) * spec.size * 3);
  write_tagger_input(image, spec, std::span<float>(out).subspan(base));
}

}  // namespace tagforge
