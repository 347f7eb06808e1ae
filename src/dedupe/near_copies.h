// Which images are near copies of each other (issue 21), from their
// perceptual hashes (media/perceptual_hash.h).
//
// Two images are near copies when one of their hashes is within the threshold
// t and the other within 2t: a resize, a re-encode or an overlay keeps both
// within 2 bits; a crop of 5% moves one of them up to 12 bits and the other up
// to 6, and where the crop cuts into a figure, 10 and 8; distinct pictures,
// even of one character, are 20 or more apart, but one scene with a character
// added or moved can come within 8 and 2 (the test prints what the test media
// measure). With `flip`, an image and the mirror of another count too.
//
// Why 8 by default: below, crops that cut into a figure are missed; above, the
// candidates the aligned check must reject grow, and so does the index's cost.
// A query within t looks at every chunk value within t / 4 bits of its own: 17
// of them up to t = 7, 137 up to 11; at a million hashes that is 2.8 s at t = 6
// against about 20 s at t = 8 to 10 (bench_dedupe, two cores), small next to
// decoding a million images. `flip` looks up each mirror on its own, without
// the index's self-join order.
//
// Two global hashes cannot tell a crop from the same scene with a character
// added or moved; a caller with thumbnails confirms each pair on them.
//
// Groups are the connected components of that relation: found through two
// HammingIndex (one per hash) rather than by comparing every pair, on every
// core (oneTBB).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "media/perceptual_hash.h"

namespace tagforge {

struct NearCopyOptions {
  int threshold = 8;  // bits of 64
  bool flip = false;   // a left-right mirror is a near copy
};

struct HashDistance {
  int dct = 0, centre = 0;
  bool mirrored = false;  // measured with one of the two images mirrored
};

// The distance between two images when they are near copies (the closer of
// plain and mirrored, with `flip`), else nothing.
std::optional<HashDistance> near_copy_distance(const PerceptualHash& a, const PerceptualHash& b,
                                               const NearCopyOptions& options);

// A second look at a pair the hashes accept (i, j, whether measured mirrored): true
// keeps it (dedupe/aligned_check.h on their thumbnails). Called on any core.
using PairCheck = std::function<bool(uint32_t, uint32_t, bool)>;

// What an earlier grouping with the same options and check found for an image
// (near_copy_groups' `earlier`): kNotJudged when it was not among those
// grouped (a new image), kJudgedAlone when it was no one's copy, else a label
// its earlier group's members share.
inline constexpr uint32_t kNotJudged = UINT32_MAX, kJudgedAlone = UINT32_MAX - 1;

// Groups of two or more indices into `hashes`, each in increasing order, the
// groups in order of their first member. `confirm`, when set, must accept each pair.
//
// With `earlier` (one label per hash): the images judged before are taken as
// their earlier groups, and only the pairs with a new image are looked at and
// confirmed (each new image's hashes looked up in indexes of all). The groups
// are the ones a grouping of all would give, provided that the judged images
// are exactly the ones grouped before, as they were then: a caller marks an
// earlier group's members kNotJudged when one of them is gone or changed.
std::vector<std::vector<uint32_t>> near_copy_groups(std::span<const PerceptualHash> hashes,
                                                    const NearCopyOptions& options, const PairCheck& confirm = {},
                                                    std::span<const uint32_t> earlier = {});

}  // namespace tagforge
