#include "dedupe/hamming_index.h"

namespace tagforge {

HammingIndex::HammingIndex(std::span<const uint64_t> hashes) : size_(hashes.size()) {
  for (int c = 0; c < kChunks; ++c) {
    Table& t = tables_[size_t(c)];
    t.offsets.assign(65537, 0);
    for (uint64_t h : hashes) ++t.offsets[size_t(chunk(h, c)) + 1];
    for (size_t v = 1; v < t.offsets.size(); ++v) t.offsets[v] += t.offsets[v - 1];
    t.hashes.resize(hashes.size());
    t.ids.resize(hashes.size());
    std::vector<uint32_t> next(t.offsets.begin(), t.offsets.end() - 1);
    for (size_t id = 0; id < hashes.size(); ++id) {
      const uint32_t at = next[size_t(chunk(hashes[id], c))]++;
      t.hashes[at] = hashes[id];
      t.ids[at] = uint32_t(id);
    }
  }
}

void HammingIndex::neighbours(int v, int r, std::vector<int>& out) {
  out.clear();
  out.push_back(v);
  if (r >= 1)
    for (int a = 0; a < 16; ++a) out.push_back(v ^ (1 << a));
  if (r >= 2)
    for (int a = 0; a < 16; ++a)
      for (int b = a + 1; b < 16; ++b) out.push_back(v ^ (1 << a) ^ (1 << b));
  if (r >= 3)
    for (int a = 0; a < 16; ++a)
      for (int b = a + 1; b < 16; ++b)
        for (int c = b + 1; c < 16; ++c) out.push_back(v ^ (1 << a) ^ (1 << b) ^ (1 << c));
  if (r >= 4) {  // beyond 3 bits a chunk, every value (a radius past 15: near a full scan)
    out.clear();
    for (int w = 0; w < 65536; ++w)
      if (hamming(uint64_t(w), uint64_t(v)) <= r) out.push_back(w);
  }
}

}  // namespace tagforge
