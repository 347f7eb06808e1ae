#include "infer/yolo_metadata.h"

#include <algorithm>
#include <charconv>
#include <map>

namespace tagforge {
namespace {

struct Cursor {
  std::string_view s;
  size_t i = 0;

  void skip_space() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  }
  bool eat(char c) {
    skip_space();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  std::optional<long> integer() {
    skip_space();
    long v = 0;
    auto [ptr, ec] = std::from_chars(s.data() + i, s.data() + s.size(), v);
    if (ec != std::errc()) return std::nullopt;
    i = size_t(ptr - s.data());
    return v;
  }
  std::optional<std::string> quoted() {
    skip_space();
    if (i >= s.size() || (s[i] != '\'' && s[i] != '"')) return std::nullopt;
    const char q = s[i++];
    std::string out;
    while (i < s.size()) {
      const char c = s[i++];
      if (c == q) return out;
      if (c == '\\') {
        if (i >= s.size()) return std::nullopt;
        out += s[i++];
      } else {
        out += c;
      }
    }
    return std::nullopt;  // unterminated
  }
  bool at_end() {
    skip_space();
    return i == s.size();
  }
};

}  // namespace

std::optional<std::vector<std::string>> parse_yolo_names(std::string_view text) {
  Cursor c{text};
  if (!c.eat('{')) return std::nullopt;
  std::map<long, std::string> names;
  if (!c.eat('}')) {
    do {
      std::optional<long> key;
      if (auto k = c.quoted()) {  // JSON writes keys as strings: {"0": "face"}
        long v = 0;
        auto [ptr, ec] = std::from_chars(k->data(), k->data() + k->size(), v);
        if (ec == std::errc() && ptr == k->data() + k->size()) key = v;
      } else {
        key = c.integer();
      }
      if (!key || *key < 0 || !c.eat(':')) return std::nullopt;
      auto value = c.quoted();
      if (!value || !names.emplace(*key, std::move(*value)).second) return std::nullopt;
    } while (c.eat(','));
    if (!c.eat('}')) return std::nullopt;
  }
  if (!c.at_end() || names.empty()) return std::nullopt;
  std::vector<std::string> out;
  for (auto& [k, v] : names) {
    if (k != long(out.size())) return std::nullopt;  // a gap in the indices
    out.push_back(std::move(v));
  }
  return out;
}

std::optional<int> parse_yolo_imgsz(std::string_view text) {
  Cursor c{text};
  const bool list = c.eat('[') || c.eat('(');
  long best = 0;
  do {
    auto v = c.integer();
    if (!v || *v <= 0 || *v > 16384) return std::nullopt;
    best = std::max(best, *v);
  } while (list && c.eat(','));
  if (list && !c.eat(']') && !c.eat(')')) return std::nullopt;
  if (!c.at_end()) return std::nullopt;
  return int(best);
}

}  // namespace tagforge
