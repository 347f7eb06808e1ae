// File-name extensions and what they promise.
#pragma once

#include <string_view>

#include "tagforge/item.h"

namespace tagforge {

// Lowercased extension without the dot ("PNG" -> "png"); "" when none.
std::string extension_of(std::string_view name);
// The name without its last extension ("a.png" -> "a", ".hidden" -> ".hidden").
std::string_view stem_of(std::string_view name);

// A family groups formats one extension may legitimately hold (a .png may be
// an APNG; a .mp4 may carry a QuickTime brand).
enum class FormatFamily : uint8_t { kNone, kJpeg, kPng, kGif, kWebp, kBmp, kHeif, kJxl, kIsoVideo, kMatroska, kAvi };
FormatFamily family_of_format(MediaFormat f);
FormatFamily family_of_extension(std::string_view ext);  // kNone: not a media extension

bool is_sidecar_extension(std::string_view ext);  // txt, caption, json, aseg

// A subject mask `tagforge segment` writes beside an image: "a.mask.png"
// belongs to "a.png" (or "a.jpg", …) as a sidecar, not an image of its own.
bool is_mask_sidecar_name(std::string_view name);
// What a sidecar's name pairs on: "a.txt" -> "a", "a.png.txt" -> "a.png", "a.mask.png" -> "a".
std::string_view sidecar_base(std::string_view name);

}  // namespace tagforge
