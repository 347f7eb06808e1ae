#include "dedupe/near_copies.h"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <numeric>
#include <utility>

#include "dedupe/hamming_index.h"

namespace tagforge {

namespace {

bool close_enough(int dct, int centre, int t) { return std::min(dct, centre) <= t && std::max(dct, centre) <= t + t / 2; }

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
    const HashDistance mirrored{hamming(a.dct, b.dct_mirror), hamming(a.centre, b.centre_mirror), true};
    if (close_enough(mirrored.dct, mirrored.centre, o.threshold) &&
        (!best || mirrored.dct + mirrored.centre < best->dct + best->centre)) {
      best = mirrored;
    }
  }
  return best;
}

std::vector<std::vector<uint32_t>> near_copy_groups(std::span<const PerceptualHash> hashes,
                                                    const NearCopyOptions& o) {
  std::vector<uint64_t> dct(hashes.size()), centre(hashes.size());
  for (size_t i = 0; i < hashes.size(); ++i) dct[i] = hashes[i].dct, centre[i] = hashes[i].centre;
  const HammingIndex by_dct(dct), by_centre(centre);

  // Every near pair (i, j), i < j, is met by a query from j: its own hashes
  // (and, with flip, their mirrors) against the index; any pair the rule
  // accepts has one hash within t, so one of the indexes holds it.
  tbb::enumerable_thread_specific<std::vector<std::pair<uint32_t, uint32_t>>> pairs;
  tbb::parallel_for(tbb::blocked_range<size_t>(0, hashes.size(), 1024), [&](const tbb::blocked_range<size_t>& range) {
    auto& mine = pairs.local();
    for (size_t j = range.begin(); j < range.end(); ++j) {
      const PerceptualHash& q = hashes[j];
      auto consider = [&](uint32_t i, int) {
        if (i < j && near_copy_distance(hashes[i], q, o)) mine.emplace_back(i, uint32_t(j));
      };
      by_dct.for_each_within(q.dct, o.threshold, consider);
      by_centre.for_each_within(q.centre, o.threshold, consider);
      if (o.flip) {
        by_dct.for_each_within(q.dct_mirror, o.threshold, consider);
        by_centre.for_each_within(q.centre_mirror, o.threshold, consider);
      }
    }
  });

  DisjointSets sets(hashes.size());
  for (const auto& mine : pairs)
    for (const auto& [i, j] : mine) sets.join(i, j);
  std::vector<std::vector<uint32_t>> by_root(hashes.size());
  for (uint32_t i = 0; i < hashes.size(); ++i) by_root[sets.find(i)].push_back(i);
  std::vector<std::vector<uint32_t>> groups;
  for (auto& g : by_root)
    if (g.size() > 1) groups.push_back(std::move(g));
  std::sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) { return a.front() < b.front(); });
  return groups;
}

}  // namespace tagforge
