// Decoding an image file into packed 8-bit pixels (OpenCV's codecs:
// libjpeg-turbo, libpng, libwebp, libtiff). Channels come out in RGB order:
// 1 (grey), 3 (RGB) or 4 (RGBA); 16-bit images are brought to 8 bits.
// Like Pillow, EXIF orientation is not applied: the taggers' own Python
// does not apply it either.
//
// A JPEG much larger than it needs to be can be decoded at 1/2, 1/4 or 1/8
// of its size inside libjpeg (scaled IDCT), which is several times faster.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>

#include "media/resample.h"
#include "tagforge/error.h"

namespace tagforge {

struct DecodeOptions {
  // When > 0: a JPEG is decoded at the smallest scale (1/2, 1/4, 1/8) whose
  // longer side is still at least this many pixels. 0: always full size.
  int reduce_to_long_side = 0;
};

struct DecodedImage {
  Image8 image;
  int full_width = 0, full_height = 0;  // the file's own size
  int reduction = 1;                    // 1, 2, 4 or 8
};

// Errors name the file: unreadable, not an image OpenCV can decode.
Result<DecodedImage> decode_image(const std::filesystem::path& file, const DecodeOptions& options = {});
// The same from bytes in memory; `name` is used in errors.
Result<DecodedImage> decode_image_bytes(std::span<const uint8_t> bytes, const std::filesystem::path& name,
                                        const DecodeOptions& options = {});

}  // namespace tagforge
