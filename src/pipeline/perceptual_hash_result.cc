#include "pipeline/perceptual_hash_result.h"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <utility>

#include "core/base64.h"
#include "core/json_peek.h"

namespace tagforge {

using json = nlohmann::ordered_json;

namespace {

std::string hex(uint64_t v) { return fmt::format("{:016x}", v); }

bool parse_hex(std::string_view s, uint64_t* out) {
  if (s.size() != 16) return false;
  uint64_t v = 0;
  for (char c : s) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    v = v << 4 | uint64_t(d);
  }
  *out = v;
  return true;
}

// The data's four hashes, each under its key, as 16 hex digits.
std::array<std::pair<const char*, uint64_t*>, 4> hash_fields(PerceptualHash& h) {
  return {{{"dct", &h.dct}, {"centre", &h.centre}, {"dct_mirror", &h.dct_mirror}, {"centre_mirror", &h.centre_mirror}}};
}

}  // namespace

std::string perceptual_hash_data(const Image8& image) {
  GreyThumbnail thumb;
  PerceptualHash hash = perceptual_hash(image, &thumb);
  const std::string grey(reinterpret_cast<const char*>(thumb.grey.data()), thumb.grey.size());
  json j{{"width", image.width}, {"height", image.height}};
  for (auto [key, field] : hash_fields(hash)) j[key] = hex(*field);
  j["thumbnail"] = base64(grey);
  return j.dump();
}

std::optional<HashedImage> parse_perceptual_hash_data(const json& j) {
  HashedImage out;
  if (!j.is_object() || !j.contains("width") || !j["width"].is_number_integer() || !j.contains("height") ||
      !j["height"].is_number_integer() || !j.contains("thumbnail") || !j["thumbnail"].is_string()) {
    return std::nullopt;
  }
  out.width = j["width"].get<int>();
  out.height = j["height"].get<int>();
  PerceptualHash& h = out.hash;
  for (auto [key, field] : hash_fields(h)) {
    if (!j.contains(key) || !j[key].is_string() || !parse_hex(j[key].get_ref<const std::string&>(), field)) {
      return std::nullopt;
    }
  }
  const auto grey = base64_decode(j["thumbnail"].get_ref<const std::string&>());
  if (!grey || grey->size() != out.thumbnail.grey.size()) return std::nullopt;
  std::memcpy(out.thumbnail.grey.data(), grey->data(), grey->size());
  return out;
}

std::optional<HashedImage> peek_perceptual_hash_data(std::string_view data) {
  HashedImage out;
  const auto width = peek_number(data, "width"), height = peek_number(data, "height");
  if (!width || !height || *width != int(*width) || *height != int(*height)) return std::nullopt;
  out.width = int(*width);
  out.height = int(*height);
  PerceptualHash& h = out.hash;
  for (auto [key, field] : hash_fields(h)) {
    const auto text = peek_string(data, key);
    if (!text || !parse_hex(*text, field)) return std::nullopt;
  }
  return out;
}

}  // namespace tagforge
