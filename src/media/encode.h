// An image as the bytes of a PNG, JPEG or WebP file (OpenCV's encoders).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "media/resample.h"
#include "tagforge/error.h"

namespace tagforge {

// `format`: "png", "jpg" or "webp"; `quality` (1-100) for jpg and webp. Grey,
// RGB or RGBA in; alpha is kept where the format has it (JPEG drops it).
// Errors name `name`, the file the bytes are for.
Result<std::string> encode_image(const Image8& image, std::string_view format, int quality,
                                 const std::filesystem::path& name);

// The image as JPEG, first scaled down by area averaging so that its long side
// is at most `long_side` (never up): the report's thumbnails, what an LLM is sent.
Result<std::string> encode_jpeg_within(const Image8& image, int long_side, int quality,
                                       const std::filesystem::path& name);

}  // namespace tagforge
