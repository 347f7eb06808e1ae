#include "dedupe/near_copies.h"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <compare>
#include <cstdint>
#include <numeric>
#include <unordered_map>
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

using PairsFound = tbb::enumerable_thread_specific<std::vector<std::pair<uint32_t, uint32_t>>>;
// The groups of two or more once `pairs` are joined too (near_copy_groups' order).
std::vector<std::vector<uint32_t>> groups_of(DisjointSets& sets, const PairsFound& pairs, size_t n);

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

namespace {

// A pair the rule accepted, smaller index first, with whether it matched mirrored (which the
// pair decides: ordered by the pair alone).
struct AcceptedPair {
  uint32_t i, j;
  bool mirrored;
  auto operator<=>(const AcceptedPair&) const = default;
};

// The pairs with at least one new image that near_copy_distance accepts, each once: each is
// within t in one of the hashes, so one of the indexes finds it.
std::vector<AcceptedPair> pairs_with_new(std::span<const PerceptualHash> hashes, std::span<const uint32_t> fresh,
                                         const NearCopyOptions& o) {
  tbb::enumerable_thread_specific<std::vector<AcceptedPair>> found;
  std::vector<uint64_t> keys(hashes.size());
  // Plain against plain; with flip, the new one's mirror against plain, and plain against mirrors.
  for (const bool centre : {false, true})
    for (const bool mirrors : {false, true}) {
      if (mirrors && !o.flip) continue;
      for (size_t i = 0; i < hashes.size(); ++i) {
        const PerceptualHash& h = hashes[i];
        keys[i] = centre ? (mirrors ? h.centre_mirror : h.centre) : (mirrors ? h.dct_mirror : h.dct);
      }
      const HammingIndex index(keys);
      tbb::parallel_for(tbb::blocked_range<size_t>(0, fresh.size(), 64), [&](const tbb::blocked_range<size_t>& range) {
        auto& mine = found.local();
        for (size_t k = range.begin(); k < range.end(); ++k) {
          const uint32_t j = fresh[k];
          const PerceptualHash& h = hashes[j];
          // Only pairs the rule accepts are kept: clumped hashes give many within t in one hash.
          auto add = [&](uint32_t i, int) {
            if (i == j) return;
            const uint32_t a = std::min(i, j), b = std::max(i, j);
            if (const auto d = near_copy_distance(hashes[a], hashes[b], o)) mine.push_back({a, b, d->mirrored});
          };
          index.for_each_within(centre ? h.centre : h.dct, o.threshold, add);
          if (o.flip && !mirrors) index.for_each_within(centre ? h.centre_mirror : h.dct_mirror, o.threshold, add);
        }
      });
    }
  std::vector<AcceptedPair> pairs;
  for (auto& mine : found) pairs.insert(pairs.end(), mine.begin(), mine.end());
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  return pairs;
}

}  // namespace

std::vector<std::vector<uint32_t>> near_copy_groups(std::span<const PerceptualHash> hashes,
                                                    const NearCopyOptions& o, const PairCheck& confirm,
                                                    std::span<const uint32_t> earlier) {
  PairsFound pairs;
  auto keep = [&](uint32_t i, uint32_t j, bool mirrored) {  // a pair the rule accepted, if confirmed
    if (!confirm || confirm(i, j, mirrored)) pairs.local().emplace_back(i, j);
  };
  auto consider = [&](uint32_t i, uint32_t j) {
    if (const auto d = near_copy_distance(hashes[i], hashes[j], o)) keep(i, j, d->mirrored);
  };
  DisjointSets sets(hashes.size());
  bool all_new = true;
  for (uint32_t label : earlier) all_new = all_new && label == kNotJudged;
  if (!all_new) {
    // The judged images as they were grouped, and the pairs with a new one looked at.
    std::vector<uint32_t> fresh;
    std::unordered_map<uint32_t, uint32_t> first_of_label;
    for (uint32_t i = 0; i < hashes.size(); ++i) {
      const uint32_t label = i < earlier.size() ? earlier[i] : kNotJudged;
      if (label == kNotJudged) fresh.push_back(i);
      if (label == kNotJudged || label == kJudgedAlone) continue;
      auto [at, first] = first_of_label.try_emplace(label, i);
      if (!first) sets.join(at->second, i);
    }
    const auto accepted = fresh.empty() ? std::vector<AcceptedPair>() : pairs_with_new(hashes, fresh, o);
    tbb::parallel_for(size_t{0}, accepted.size(), [&](size_t k) {
      const AcceptedPair& p = accepted[k];
      keep(p.i, p.j, p.mirrored);
    });
    return groups_of(sets, pairs, hashes.size());
  }
  // Any pair the rule accepts has one hash within t, so one index's close
  // pairs hold it; with flip, every hash's mirror is also looked up. One index
  // at a time, so that only one is in memory.
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

  return groups_of(sets, pairs, hashes.size());
}

namespace {

std::vector<std::vector<uint32_t>> groups_of(DisjointSets& sets, const PairsFound& pairs, size_t n) {
  for (const auto& mine : pairs)
    for (const auto& [i, j] : mine) sets.join(i, j);
  // Members by root, without a vector for every image: count, then place.
  std::vector<uint32_t> root(n), count(n, 0);
  for (uint32_t i = 0; i < n; ++i) ++count[root[i] = sets.find(i)];
  std::vector<uint32_t> slot(n, UINT32_MAX);  // the group of a root
  std::vector<std::vector<uint32_t>> groups;
  for (uint32_t i = 0; i < n; ++i) {  // in id order: groups by first member, members increasing
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

}  // namespace

}  // namespace tagforge
