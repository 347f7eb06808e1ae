// The phash stage's result (issue 21): an image's perceptual hashes
// (media/perceptual_hash.h), the grey thumbnail a candidate pair of near
// copies is checked on, and the image's size, as the manifest keeps them:
//   {"width", "height", "dct", "centre", "dct_mirror", "centre_mirror",
//    "thumbnail"}
// each hash as 16 hex digits, the thumbnail as base64 of its 32x32 bytes.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "media/perceptual_hash.h"

namespace tagforge {

struct HashedImage {
  int width = 0, height = 0;
  PerceptualHash hash;
  GreyThumbnail thumbnail;
};

// The result's JSON text for a decoded image.
std::string perceptual_hash_data(const Image8& image);

// Back from the JSON; nothing when a field is missing or malformed.
std::optional<HashedImage> parse_perceptual_hash_data(const nlohmann::ordered_json& data);
// The size and the hashes only (the thumbnail left blank), read from the text without a parse:
// a grouping reads them from every image's row.
std::optional<HashedImage> peek_perceptual_hash_data(std::string_view data);

}  // namespace tagforge
