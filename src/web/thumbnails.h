// The gallery's thumbnails: made once per content hash and kept in
// OUT/.tagforge/thumbs/ (two-character shards), so a second visit, or a
// second item with the same pixels, costs one file read.
#pragma once

#include <filesystem>
#include <string>

#include "tagforge/error.h"

namespace tagforge {

inline constexpr int kThumbnailSide = 256;

// The JPEG thumbnail of `image`, from the cache or made and cached.
// `hash` is the image's content hash (the cache key).
Result<std::string> thumbnail_jpeg(const std::filesystem::path& image, const std::string& hash,
                                   const std::filesystem::path& cache_dir);

}  // namespace tagforge
