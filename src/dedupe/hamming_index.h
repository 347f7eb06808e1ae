// All 64-bit hashes within a Hamming radius of a query, without comparing
// against every hash: multi-index hashing (Norouzi et al.). The hash is cut
// into four 16-bit chunks; two hashes at most r bits apart agree to within
// r / 4 bits on at least one chunk (pigeonhole), so a query looks up, in each
// chunk's table, every chunk value within r / 4 of its own (137 values for
// r / 4 = 2) and checks the whole hash only of what it finds there.
//
// Each table is a sorted array (CSR: an offset per chunk value, then the
// hashes and ids in chunk order), so a lookup reads one contiguous run.
#pragma once

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "media/perceptual_hash.h"

namespace tagforge {

class HammingIndex {
 public:
  explicit HammingIndex(std::span<const uint64_t> hashes);

  // visit(id, distance) for every id whose hash is at most `radius` from q,
  // each once, in no particular order.
  template <class Visit>
  void for_each_within(uint64_t q, int radius, Visit&& visit) const;

  // visit(i, j, distance) for every pair i != j of indexed hashes at most
  // `radius` apart, each pair once (in either order), from several threads at
  // once. Faster than a query per hash: the hashes are taken in each table's
  // own order, so neighbouring queries probe the same runs while they are in cache.
  template <class Visit>
  void for_each_close_pair(int radius, Visit&& visit) const;

  size_t size() const { return size_; }

 private:
  static constexpr int kChunks = 4;
  static int chunk(uint64_t h, int c) { return int((h >> (16 * c)) & 0xffff); }
  // Whether a chunk before `c` of h is within r bits of q's: then that chunk's
  // table reports the pair, and table c does not again.
  static bool found_by_earlier_chunk(uint64_t h, uint64_t q, int c, int r) {
    for (int e = 0; e < c; ++e)
      if (hamming(uint64_t(chunk(h, e)), uint64_t(chunk(q, e))) <= r) return true;
    return false;
  }
  // The 16-bit values within `r` bits of v, v first.
  static void neighbours(int v, int r, std::vector<int>& out);

  struct Table {
    std::vector<uint32_t> offsets;  // 65537
    std::vector<uint64_t> hashes;   // in chunk order
    std::vector<uint32_t> ids;
  };
  std::array<Table, kChunks> tables_;
  size_t size_ = 0;
};

template <class Visit>
void HammingIndex::for_each_within(uint64_t q, int radius, Visit&& visit) const {
  const int r = radius / kChunks;
  thread_local std::vector<int> values;
  for (int c = 0; c < kChunks; ++c) {
    const Table& t = tables_[size_t(c)];
    neighbours(chunk(q, c), r, values);
    for (int v : values) {
      for (uint32_t i = t.offsets[size_t(v)], end = t.offsets[size_t(v) + 1]; i < end; ++i) {
        const uint64_t h = t.hashes[i];
        const int d = hamming(h, q);
        if (d <= radius && !found_by_earlier_chunk(h, q, c, r)) visit(t.ids[i], d);
      }
    }
  }
}

template <class Visit>
void HammingIndex::for_each_close_pair(int radius, Visit&& visit) const {
  const int r = radius / kChunks;
  for (int c = 0; c < kChunks; ++c) {
    const Table& t = tables_[size_t(c)];
    tbb::parallel_for(tbb::blocked_range<int>(0, 65536, 256), [&](const tbb::blocked_range<int>& values) {
      std::vector<int> near;
      for (int value = values.begin(); value < values.end(); ++value) {
        const uint32_t first = t.offsets[size_t(value)], last = t.offsets[size_t(value) + 1];
        if (first == last) continue;
        neighbours(value, r, near);
        for (int v : near) {
          if (v < value) continue;  // that pair of runs was seen from v's side
          for (uint32_t qi = first; qi < last; ++qi) {
            const uint64_t q = t.hashes[qi];
            const uint32_t from = v == value ? qi + 1 : t.offsets[size_t(v)];
            for (uint32_t i = from, end = t.offsets[size_t(v) + 1]; i < end; ++i) {
              const uint64_t h = t.hashes[i];
              const int d = hamming(h, q);
              if (d <= radius && !found_by_earlier_chunk(h, q, c, r)) visit(t.ids[qi], t.ids[i], d);
            }
          }
        }
      }
    });
  }
}

}  // namespace tagforge
