// Perceptual hashes of a decoded image, for near-copy detection (issue 21):
//   dct:    the 64-bit pHash: the image in grey, area-averaged to 32x32, its
//           8x8 lowest DCT-II frequencies, a bit set where a coefficient is
//           above the median of the 63 that are not the mean (DC). A resize, a
//           re-encode or a small overlay moves it by 0-2 bits; distinct
//           pictures are 20 or more apart.
//   centre: the central 70% of the image (a crop of a few percent at an edge
//           barely moves it, where it shifts every DCT coefficient) as 8x8
//           block means, a bit set where a block is above their median.
// Both also for the image flipped left-right, so a mirrored copy can be found
// when the user asks (`flip = true`).
//
// Alpha is composited on white; a grey, RGB or RGBA image of any size >= 1x1.
// Large images are sampled on a grid of at most 256 points a side: each of the
// 32x32 cells still averages dozens of them, and hashing costs a small part of
// the decode it follows.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

#include "media/resample.h"

namespace tagforge {

struct PerceptualHash {
  uint64_t dct = 0, centre = 0;
  uint64_t dct_mirror = 0, centre_mirror = 0;  // of the image flipped left-right
  bool operator==(const PerceptualHash&) const = default;
};

// The image in grey, area-averaged to 32x32 (the DCT hash's own grid), rounded:
// what a candidate pair is checked on once aligned (dedupe/aligned_check.h).
struct GreyThumbnail {
  static constexpr int kSide = 32;
  std::array<uint8_t, kSide * kSide> grey{};
};

// `thumbnail`, when given, receives the grid the hash was computed from.
PerceptualHash perceptual_hash(const Image8& image, GreyThumbnail* thumbnail = nullptr);

inline int hamming(uint64_t a, uint64_t b) { return std::popcount(a ^ b); }

}  // namespace tagforge
