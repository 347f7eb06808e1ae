// A string -> uint32 hash table for a database that is built once and read
// a million times: open addressing, keys are views into storage the owner
// keeps alive, no per-entry allocation. Loading 140k tags and their aliases
// into std::unordered_map cost three times as long.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace tagforge {

// Eight bytes at a time, then a strong final mix: tags are short, and this
// is the inner loop of every lookup.
inline uint64_t hash_bytes(std::string_view s) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  uint64_t tail = 0;
  for (size_t i = 0; i < n; ++i) tail |= uint64_t{p[i]} << (8 * i);
  h = (h ^ tail) * 0x94d049bb133111ebull;
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
    entries_.reserve(n);
  }

  // Inserts or, when `key` is present, leaves it alone and returns false.
  bool insert(std::string_view key, uint32_t value) {
    if ((entries_.size() + 1) * 2 > slots_.size()) rehash(slots_.empty() ? 16 : slots_.size() * 2);
    const uint64_t h = hash_bytes(key);
    size_t i = h & (slots_.size() - 1);
    for (;; i = (i + 1) & (slots_.size() - 1)) {
      const Slot& s = slots_[i];
      if (s.entry == kMissing) break;
      if (s.tag == tag_of(h) && view(entries_[s.entry]) == key) return false;
    }
    slots_[i] = {static_cast<uint32_t>(entries_.size()), tag_of(h)};
    entries_.push_back({key.data(), static_cast<uint32_t>(key.size()), value});
    return true;
  }

  // Replaces the value of a present key, or inserts it.
  void assign(std::string_view key, uint32_t value) {
    const uint32_t e = find_entry(key);
    if (e != kMissing) entries_[e].value = value;
    else insert(key, value);
  }

  uint32_t find(std::string_view key) const {
    const uint32_t e = find_entry(key);
    return e == kMissing ? kMissing : entries_[e].value;
  }

  size_t size() const { return entries_.size(); }

 private:
  // A slot holds the entry's index and 32 more bits of its hash, so that a
  // probe rarely touches an entry that is not the one sought: one cache
  // line for the slot, one for the entry, one for the key's bytes.
  struct Slot {
    uint32_t entry = kMissing;
    uint32_t tag = 0;
  };
  struct Entry {
    const char* data;
    uint32_t size;
    uint32_t value;
  };
  static uint32_t tag_of(uint64_t h) { return static_cast<uint32_t>(h >> 32); }
  static std::string_view view(const Entry& e) { return {e.data, e.size}; }

  uint32_t find_entry(std::string_view key) const {
    if (slots_.empty()) return kMissing;
    const uint64_t h = hash_bytes(key);
    for (size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      const Slot& s = slots_[i];
      if (s.entry == kMissing) return kMissing;
      if (s.tag == tag_of(h) && view(entries_[s.entry]) == key) return s.entry;
    }
  }

  void rehash(size_t cap) {
    slots_.assign(cap, Slot{});
    for (uint32_t k = 0; k < entries_.size(); ++k) {
      const uint64_t h = hash_bytes(view(entries_[k]));
      size_t i = h & (cap - 1);
      while (slots_[i].entry != kMissing) i = (i + 1) & (cap - 1);
      slots_[i] = {k, tag_of(h)};
    }
  }

  std::vector<Slot> slots_;
  std::vector<Entry> entries_;
};

}  // namespace tagforge
