// A string -> uint32 hash table for a database that is built once and read
// a million times: open addressing, keys are views into storage the owner
// keeps alive, no per-entry allocation. Loading 140k tags and their aliases
// into std::unordered_map cost three times as long.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace tagforge {

inline uint64_t hash_bytes(std::string_view s) {
  // FNV-1a, 64-bit, then a final mix so that low bits spread.
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

class FlatStringMap {
 public:
  static constexpr uint32_t kMissing = UINT32_MAX;

  void reserve(size_t n) {
    size_t cap = 16;
    while (cap < n * 2) cap <<= 1;
    if (cap > slots_.size()) rehash(cap);
  }

  // Inserts or, when `key` is present, leaves it alone and returns false.
  bool insert(std::string_view key, uint32_t value) {
    if ((keys_.size() + 1) * 2 > slots_.size()) rehash(slots_.empty() ? 16 : slots_.size() * 2);
    const uint64_t h = hash_bytes(key);
    size_t i = h & (slots_.size() - 1);
    for (;; i = (i + 1) & (slots_.size() - 1)) {
      const uint32_t s = slots_[i];
      if (s == kMissing) break;
      if (hashes_[s] == h && keys_[s] == key) return false;
    }
    slots_[i] = static_cast<uint32_t>(keys_.size());
    keys_.push_back(key);
    hashes_.push_back(h);
    values_.push_back(value);
    return true;
  }

  // Replaces the value of a present key, or inserts it.
  void assign(std::string_view key, uint32_t value) {
    const uint32_t s = find_slot(key);
    if (s != kMissing) values_[s] = value;
    else insert(key, value);
  }

  uint32_t find(std::string_view key) const {
    const uint32_t s = find_slot(key);
    return s == kMissing ? kMissing : values_[s];
  }

  size_t size() const { return keys_.size(); }

 private:
  uint32_t find_slot(std::string_view key) const {
    if (slots_.empty()) return kMissing;
    const uint64_t h = hash_bytes(key);
    for (size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      const uint32_t s = slots_[i];
      if (s == kMissing) return kMissing;
      if (hashes_[s] == h && keys_[s] == key) return s;
    }
  }

  void rehash(size_t cap) {
    slots_.assign(cap, kMissing);
    for (uint32_t k = 0; k < keys_.size(); ++k) {
      size_t i = hashes_[k] & (cap - 1);
      while (slots_[i] != kMissing) i = (i + 1) & (cap - 1);
      slots_[i] = k;
    }
  }

  std::vector<uint32_t> slots_;  // index into keys_, or kMissing
  std::vector<std::string_view> keys_;
  std::vector<uint64_t> hashes_;
  std::vector<uint32_t> values_;
};

}  // namespace tagforge
