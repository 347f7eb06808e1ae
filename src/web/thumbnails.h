// The gallery's thumbnails: made once per content hash and kept in
// OUT/.tagforge/thumbs/ (two-character shards), so a second visit, or a
// second item with the same pixels, costs one file read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "tagforge/error.h"

namespace tagforge {

inline constexpr int kThumbnailSide = 256;

// The JPEG thumbnail of `image`, from the cache or made and cached.
// `hash` is the image's content hash (the cache key).
// Where the page asks for item `id`'s thumbnail. Ids are places in one server's index,
// so the address carries the content too: a browser's cached thumbnail is never
// shown for another image after a restart.
inline std::string thumbnail_address(uint32_t id, const std::string& hash) {
  return fmt::format("/api/items/{}/thumb?v={}", id, hash.substr(0, 16));
}

Result<std::string> thumbnail_jpeg(const std::filesystem::path& image, const std::string& hash,
                                   const std::filesystem::path& cache_dir);

}  // namespace tagforge
