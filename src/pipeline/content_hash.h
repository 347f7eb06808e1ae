// A file's identity for the manifest and for sharding: XXH3-128 of its
// bytes (xxHash from Debian's libxxhash-dev), as 32 hex digits. Not a
// cryptographic hash: it tells files apart, it does not defend against
// someone crafting collisions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "tagforge/error.h"

namespace tagforge {

// Reads the file in 1 MiB pieces; errors name it.
Result<std::string> hash_file(const std::filesystem::path& file);

// The same hash of bytes in memory.
std::string hash_bytes(std::string_view bytes);

// The same hash of bytes given piece by piece.
class ContentHasher {
 public:
  ContentHasher();
  ~ContentHasher();
  ContentHasher(ContentHasher&& other) noexcept;
  ContentHasher(const ContentHasher&) = delete;
  ContentHasher& operator=(const ContentHasher&) = delete;
  void add(std::string_view bytes);
  std::string hex() const;  // of everything added so far

 private:
  void* state_;  // XXH3_state_t
};

// Which of `count` shards a hash falls in: its first 16 hex digits modulo count.
uint64_t shard_of(std::string_view hex_hash, uint64_t count);

}  // namespace tagforge
