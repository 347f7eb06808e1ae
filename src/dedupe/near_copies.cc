#include "dedupe/near_copies.h"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <utility>

#include "dedupe/hamming_index.h"

namespace tagforge {

namespace {

bool close_enough(int dct, int centre, int t) { return std::min(dct, centre) <= t && std::max(dct, centre) <= 2 * t; }

class DisjointSets {
 public:
  explicit DisjointSets(size_t n) : parent_(n), size_(n, 1) { std::iota(parent_.begin(), parent_.end(), 0u); }
  uint32_t find(uint32_t x) {
    while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
    return x;
  }
  void join(uint32_t a, uint32_t b) {
    a = find(a), b = find(b);
    if (a == b) return;
    if (size_[a] < size_[b]) std::swap(a, b);
    parent_[b] = a;
    size_[a] += size_[b];
  }

 private:
  std::vector<uint32_t> parent_, size_;
};

}  // namespace

std::optional<HashDistance> near_copy_distance(const PerceptualHash& a, const PerceptualHash& b,
                                               const NearCopyOptions& o) {
  std::optional<HashDistance> best;
  const HashDistance plain{hamming(a.dct, b.dct), hamming(a.centre, b.centre), false};
  if (close_enough(plain.dct, plain.centre, o.threshold)) best = plain;
  if (o.flip) {
    // Either image mirrored: the hashes of a mirror are measured, not derived, so
    // the two ways can differ by a bit; the closer one counts.
    for (const HashDistance mirrored : {HashDistance{hamming(a.dct, b.dct_mirror), hamming(a.centre, b.centre_mirror), true},
                                        HashDistance{hamming(a.dct_mirror, b.dct), hamming(a.centre_mirror, b.centre), true}}) {
      if (close_enough(mirrored.dct, mirrored.centre, o.threshold) &&
          (!best || mirrored.dct + mirrored.centre < best->dct + best->centre)) {
        best = mirrored;
      }
    }
  }
  return best;
}

std::vector<std::vector<uint32_t>> near_copy_groups(std::span<const PerceptualHash> hashes,
                                                    const NearCopyOptions& o, const PairCheck& confirm) {
  // Any pair the rule accepts has one hash within t, so one index's close
  // pairs hold it; with flip, every hash's mirror is also looked up. One index
  // at a time, so that only one is in memory.
  tbb::enumerable_thread_specific<std::vector<std::pair<uint32_t, uint32_t>>> pairs;
  auto consider = [&](uint32_t i, uint32_t j) {
    const auto d = near_copy_distance(hashes[i], hashes[j], o);
    if (d && (!confirm || confirm(i, j, d->mirrored))) pairs.local().emplace_back(i, j);
  };
  for (const bool centre : {false, true}) {
    std::vector<uint64_t> keys(hashes.size());
    for (size_t i = 0; i < hashes.size(); ++i) keys[i] = centre ? hashes[i].centre : hashes[i].dct;
    const HammingIndex index(keys);
    keys = {};
    index.for_each_close_pair(o.threshold, [&](uint32_t i, uint32_t j, int) {
      // A pair whose DCT hashes are close was met in the first pass.
      if (!centre || hamming(hashes[i].dct, hashes[j].dct) > o.threshold) consider(i, j);
    });
    if (!o.flip) continue;
    tbb::parallel_for(tbb::blocked_range<size_t>(0, hashes.size(), 1024), [&](const tbb::blocked_range<size_t>& range) {
      for (size_t j = range.begin(); j < range.end(); ++j) {
        index.for_each_within(centre ? hashes[j].centre_mirror : hashes[j].dct_mirror, o.threshold, [&](uint32_t i, int) {
          if (i != j) consider(i, uint32_t(j));
        });
      }
    });
  }

  DisjointSets sets(hashes.size());
  for (const auto& mine : pairs)
    for (const auto& [i, j] : mine) sets.join(i, j);
  // Members by root, without a vector for every image: count, then place.
  std::vector<uint32_t> root(hashes.size()), count(hashes.size(), 0);
  for (uint32_t i = 0; i < hashes.size(); ++i) ++count[root[i] = sets.find(i)];
  std::vector<uint32_t> slot(hashes.size(), UINT32_MAX);  // the group of a root
  std::vector<std::vector<uint32_t>> groups;
  for (uint32_t i = 0; i < hashes.size(); ++i) {  // in id order: groups by first member, members increasing
    const uint32_t r = root[i];
    if (count[r] < 2) continue;
    if (slot[r] == UINT32_MAX) {
      slot[r] = uint32_t(groups.size());
      groups.emplace_back().reserve(count[r]);
    }
    groups[slot[r]].push_back(i);
  }
  return groups;
}

}  // namespace tagforge
