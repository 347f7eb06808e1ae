// Base64 (RFC 4648, with padding): for data: URLs in the report and in LLM requests.
#pragma once

#include <string>
#include <string_view>

namespace tagforge {

std::string base64(std::string_view bytes);

}  // namespace tagforge
