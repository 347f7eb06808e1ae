// A string -> uint32 hash table for a database that is built once and read
// a million times: open addressing, short keys stored in the slot, longer
// ones as views into storage the owner keeps alive; no per-entry
// allocation. Loading 140k tags and their aliases into std::unordered_map
// cost three times as long, and each lookup read five cache lines.
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
  }

  // Inserts or, when `key` is present, leaves it alone and returns false.
  bool insert(std::string_view key, uint32_t value) {
    if ((size_ + 1) * 2 > slots_.size()) rehash(slots_.empty() ? 16 : slots_.size() * 2);
    const uint64_t h = hash_bytes(key);
    Slot* s = probe(key, h);
    if (s->used()) return false;
    s->set(key, tag_of(h), value);
    ++size_;
    return true;
  }

  // Replaces the value of a present key, or inserts it.
  void assign(std::string_view key, uint32_t value) {
    if (!slots_.empty()) {
      Slot* s = probe(key, hash_bytes(key));
      if (s->used()) {
        s->value = value;
        return;
      }
    }
    insert(key, value);
  }

  uint32_t find(std::string_view key) const { return find(key, nullptr); }

  // Also gives the key as stored: bytes in the table (short keys) or in the
  // owner's storage, valid as long as the table is not changed.
  uint32_t find(std::string_view key, std::string_view* stored) const {
    if (slots_.empty()) return kMissing;
    const Slot* s = const_cast<FlatStringMap*>(this)->probe(key, hash_bytes(key));
    if (!s->used()) return kMissing;
    if (stored) *stored = s->key();
    return s->value;
  }

  size_t size() const { return size_; }

 private:
  // One cache line holds two slots, and a slot holds a short key itself
  // (most tags are under 24 bytes), so a lookup usually reads one line.
  // Longer keys keep a pointer to their bytes, which the owner keeps alive.
  struct Slot {
    static constexpr size_t kInline = 20;
    uint32_t value = kMissing;  // kMissing: empty slot
    uint32_t tag = 0;           // 32 bits of the hash
    uint32_t size = 0;
    char bytes[kInline];        // the key, or a pointer to it when longer

    bool used() const { return value != kMissing; }
    const char* data() const {
      if (size <= kInline) return bytes;
      const char* p;
      std::memcpy(&p, bytes, sizeof p);
      return p;
    }
    std::string_view key() const { return {data(), size}; }
    void set(std::string_view k, uint32_t t, uint32_t v) {
      value = v;
      tag = t;
      size = static_cast<uint32_t>(k.size());
      if (k.size() <= kInline) {
        std::memcpy(bytes, k.data(), k.size());
      } else {
        const char* p = k.data();
        std::memcpy(bytes, &p, sizeof p);
      }
    }
  };
  static_assert(sizeof(Slot) == 32);
  static uint32_t tag_of(uint64_t h) { return static_cast<uint32_t>(h >> 32); }

  // The slot holding `key`, or the empty slot where it would go.
  Slot* probe(std::string_view key, uint64_t h) {
    const uint32_t t = tag_of(h);
    for (size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      Slot& s = slots_[i];
      if (!s.used()) return &s;
      if (s.tag == t && s.size == key.size() && std::memcmp(s.data(), key.data(), key.size()) == 0) return &s;
    }
  }

  void rehash(size_t cap) {
    std::vector<Slot> old(cap);
    old.swap(slots_);
    for (const Slot& s : old) {
      if (!s.used()) continue;
      const uint64_t h = hash_bytes(s.key());
      size_t i = h & (cap - 1);
      while (slots_[i].used()) i = (i + 1) & (cap - 1);
      slots_[i] = s;
    }
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace tagforge
