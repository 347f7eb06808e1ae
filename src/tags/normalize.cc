#include "tags/normalize.h"

#include <cctype>
#include <charconv>

#include "tagforge/tag_db.h"

namespace tagforge {
namespace {

bool is_space_or_control(unsigned char c) { return c <= 0x20 || c == 0x7F; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space_or_control(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && is_space_or_control(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

char closer_of(char open) { return open == '(' ? ')' : open == '[' ? ']' : '}'; }

// When s[0] is an opener whose match is the last byte, the inside; else s.
// Escaped brackets (`\(`) do not count.
std::string_view unwrap(std::string_view s, bool* unwrapped) {
  *unwrapped = false;
  if (s.size() < 2) return s;
  const char open = s.front();
  if (open != '(' && open != '[' && open != '{') return s;
  const char close = closer_of(open);
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\') { ++i; continue; }
    if (c == open) ++depth;
    else if (c == close && --depth == 0) {
      if (i + 1 != s.size()) return s;  // `(o)_(o)`: closes early
      *unwrapped = true;
      return s.substr(1, s.size() - 2);
    }
  }
  return s;
}

// `tag:1.2` -> `tag` with weight 1.2; anything else is left alone
// (`rating:explicit`, `:d`).
std::string_view strip_weight(std::string_view s, float* weight) {
  const size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return s;
  std::string_view num = trim(s.substr(colon + 1));
  if (num.empty()) return s;
  float w = 0;
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), w);
  if (ec != std::errc() || p != num.data() + num.size()) return s;
  *weight = w;
  return trim(s.substr(0, colon));
}

void append_unescaped(std::string_view s, std::string& out) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && !std::isalnum(static_cast<unsigned char>(s[i + 1]))) ++i;
    out += s[i];
  }
}

}  // namespace

void normalize_tag_text(std::string_view raw, std::string& out) {
  out.clear();
  raw = trim(raw);
  bool pending_space = false;
  for (char ch : raw) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == ' ' || c == '_' || is_space_or_control(c)) {
      // Runs of spaces become one underscore; an underscore stays one.
      if (c == '_') {
        if (pending_space) pending_space = false;
        out += '_';
      } else if (!out.empty() && out.back() != '_') {
        pending_space = true;
      }
      continue;
    }
    if (pending_space) {
      out += '_';
      pending_space = false;
    }
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : ch;
  }
}

EntryStatus normalize_entry(std::string_view raw, const TagDb* db, std::string& out, float* weight) {
  *weight = 1.0f;
  std::string_view s = trim(raw);
  if (s.empty()) {
    out.clear();
    return EntryStatus::kEmpty;
  }
  if (s.size() > kMaxTagBytes * 4) {  // a pasted paragraph, not a tag
    out.clear();
    return EntryStatus::kTooLong;
  }
  // As written: a kaomoji or a tag that itself has brackets, e.g. `(o)_(o)`.
  normalize_tag_text(s, out);
  if (is_kaomoji(out)) return EntryStatus::kOk;
  const char first = s.front();
  const bool bracketed = first == '(' || first == '[' || first == '{';
  if (bracketed && db && db->find(out) != kUnknownTag) return EntryStatus::kOk;
  if (!bracketed && s.find('\\') == std::string_view::npos && s.find(':') == std::string_view::npos) {
    return out.empty() ? EntryStatus::kEmpty : out.size() > kMaxTagBytes ? EntryStatus::kTooLong : EntryStatus::kOk;
  }

  // Attention syntax, possibly nested: ((tag)), [(tag:1.1)].
  for (int guard = 0; guard < 16; ++guard) {
    bool unwrapped = false;
    std::string_view inner = unwrap(s, &unwrapped);
    if (!unwrapped) break;
    s = trim(inner);
    if (first == '(') s = strip_weight(s, weight);
  }
  if (s.find(',') != std::string_view::npos) {
    out.assign(s);  // `(red hair, blue eyes:1.2)`: the caller splits the inside
    return EntryStatus::kGroup;
  }
  std::string unescaped;
  append_unescaped(s, unescaped);
  normalize_tag_text(unescaped, out);
  if (out.empty()) return EntryStatus::kEmpty;
  if (out.size() > kMaxTagBytes) return EntryStatus::kTooLong;
  return EntryStatus::kOk;
}

void split_tag_list(std::string_view list, std::vector<std::string_view>& out) {
  out.clear();
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    const char c = list[i];
    if (c == '\\') { ++i; continue; }
    if (c == '(' || c == '[' || c == '{') ++depth;
    else if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
    else if ((c == ',' && depth == 0) || c == '\n') {
      out.push_back(list.substr(start, i - start));
      start = i + 1;
      depth = 0;  // a line never carries brackets into the next
    }
  }
  if (depth != 0) {
    // Unbalanced: brackets cannot be trusted to group anything.
    std::string_view rest = list.substr(start);
    size_t s = 0;
    for (size_t i = 0; i <= rest.size(); ++i) {
      if (i == rest.size() || rest[i] == ',') {
        out.push_back(rest.substr(s, i - s));
        s = i + 1;
      }
    }
    return;
  }
  out.push_back(list.substr(start));
}

}  // namespace tagforge
