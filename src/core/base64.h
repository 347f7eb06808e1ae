// Base64 (RFC 4648, with padding): for data: URLs in the report and in LLM requests.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tagforge {

std::string base64(std::string_view bytes);
// The bytes back; nothing when `text` is not padded base64 of that alphabet.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace tagforge
