// Telling a file's format from its first bytes.
#pragma once

#include <cstdint>
#include <span>

#include "tagforge/item.h"

namespace tagforge {

inline constexpr size_t kSniffBytes = 64;

// The format the leading bytes announce (at most kSniffBytes are looked at).
// Still/animated variants that need more than the head (GIF frames, APNG's
// acTL) come back as the still format; probe_media() refines them.
MediaFormat sniff_format(std::span<const uint8_t> head);

}  // namespace tagforge
