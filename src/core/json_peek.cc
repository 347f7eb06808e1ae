#include "core/json_peek.h"

#include <nlohmann/json.hpp>

#include <cstdlib>

namespace tagforge {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t skip_space(std::string_view s, size_t at) {
  while (at < s.size() && is_space(s[at])) ++at;
  return at;
}

// `at` is on an opening quote; returns the position after the closing one, or npos.
size_t skip_string(std::string_view s, size_t at) {
  for (++at; at < s.size(); ++at) {
    if (s[at] == '\\') {
      ++at;
    } else if (s[at] == '"') {
      return at + 1;
    }
  }
  return std::string_view::npos;
}

// `at` is on a value's first character; returns the position after it, or npos.
size_t skip_value(std::string_view s, size_t at) {
  if (at >= s.size()) return std::string_view::npos;
  if (s[at] == '"') return skip_string(s, at);
  if (s[at] == '{' || s[at] == '[') {
    int depth = 0;
    while (at < s.size()) {
      const char c = s[at];
      if (c == '"') {
        at = skip_string(s, at);
        if (at == std::string_view::npos) return at;
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if ((c == '}' || c == ']') && --depth == 0) return at + 1;
      ++at;
    }
    return std::string_view::npos;
  }
  const size_t start = at;  // a number, true, false, null
  while (at < s.size() && s[at] != ',' && s[at] != '}' && s[at] != ']' && !is_space(s[at])) ++at;
  return at == start ? std::string_view::npos : at;
}

}  // namespace

std::optional<std::string_view> peek_member(std::string_view s, std::string_view key) {
  size_t at = skip_space(s, 0);
  if (at >= s.size() || s[at] != '{') return std::nullopt;
  at = skip_space(s, at + 1);
  if (at < s.size() && s[at] == '}') return std::nullopt;
  while (at < s.size()) {
    if (s[at] != '"') return std::nullopt;
    const size_t key_end = skip_string(s, at);
    if (key_end == std::string_view::npos) return std::nullopt;
    const std::string_view name = s.substr(at + 1, key_end - at - 2);
    at = skip_space(s, key_end);
    if (at >= s.size() || s[at] != ':') return std::nullopt;
    at = skip_space(s, at + 1);
    const size_t value_end = skip_value(s, at);
    if (value_end == std::string_view::npos) return std::nullopt;
    if (name == key) return s.substr(at, value_end - at);
    at = skip_space(s, value_end);
    if (at >= s.size() || s[at] != ',') return std::nullopt;  // '}' (the end) or broken
    at = skip_space(s, at + 1);
  }
  return std::nullopt;
}

std::optional<double> peek_number(std::string_view s, std::string_view key) {
  auto raw = peek_member(s, key);
  if (!raw || raw->empty() || !(raw->front() == '-' || (raw->front() >= '0' && raw->front() <= '9'))) {
    return std::nullopt;
  }
  const std::string text(*raw);
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return v;
}

std::optional<bool> peek_bool(std::string_view s, std::string_view key) {
  auto raw = peek_member(s, key);
  if (raw == "true") return true;
  if (raw == "false") return false;
  return std::nullopt;
}

std::optional<std::string> peek_string(std::string_view s, std::string_view key) {
  auto raw = peek_member(s, key);
  if (!raw || raw->size() < 2 || raw->front() != '"') return std::nullopt;
  if (raw->find('\\') == std::string_view::npos) return std::string(raw->substr(1, raw->size() - 2));
  const nlohmann::json j = nlohmann::json::parse(*raw, nullptr, false);  // escapes: rare, so the slow way
  if (!j.is_string()) return std::nullopt;
  return j.get<std::string>();
}

}  // namespace tagforge
