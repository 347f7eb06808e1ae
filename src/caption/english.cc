#include "caption/english.h"

#include <array>

namespace tagforge {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

}  // namespace

std::string_view indefinite_article(std::string_view w) {
  if (w.empty()) return "a";
  std::string low;
  for (size_t i = 0; i < w.size() && i < 8; ++i) low.push_back(lower(w[i]));
  // Vowel letters with a consonant sound, and silent h.
  static constexpr std::array<std::string_view, 6> kSoundsLikeA = {"uni", "use", "usu", "eu", "one", "ufo"};
  static constexpr std::array<std::string_view, 4> kSoundsLikeAn = {"hour", "honest", "heir", "honor"};
  for (auto p : kSoundsLikeA) {
    if (low.starts_with(p)) return "a";
  }
  for (auto p : kSoundsLikeAn) {
    if (low.starts_with(p)) return "an";
  }
  // Letters read one by one: "an ID card", "a UFO" handled above.
  if (w.size() >= 2 && w[0] >= 'A' && w[0] <= 'Z' && w[1] >= 'A' && w[1] <= 'Z') {
    return std::string_view("AEFHILMNORSX").find(w[0]) != std::string_view::npos ? "an" : "a";
  }
  return std::string_view("aeiou").find(low[0]) != std::string_view::npos ? "an" : "a";
}

std::string_view without_article(std::string_view text) {
  for (std::string_view a : {"a ", "an ", "the "}) {
    if (text.starts_with(a)) return text.substr(a.size());
  }
  return text;
}

std::string with_article(std::string_view text) {
  if (without_article(text).size() != text.size()) return std::string(text);
  std::string out(indefinite_article(text));
  out += ' ';
  out += text;
  return out;
}

std::string spaced(std::string_view tag) {
  std::string out(tag);
  for (char& c : out) {
    if (c == '_') c = ' ';
  }
  return out;
}

}  // namespace tagforge
