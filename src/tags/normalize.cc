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

// Does the bracket at s[0] close inside s, counting as split_tag_list does?
bool opener_closes(std::string_view s) {
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\') { ++i; continue; }
    if (c == '(' || c == '[' || c == '{') ++depth;
    else if ((c == ')' || c == ']' || c == '}') && --depth == 0) return true;
  }
  return false;
}

bool has_unescaped_comma(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') ++i;
    else if (s[i] == ',') return true;
  }
  return false;
}

void append_unescaped(std::string_view s, std::string& out) {
  for (size_t i = 0; i < s.size(); ++i) {
    // `\,` stays escaped: a bare comma would split the tag when read back.
    const bool escape = s[i] == '\\' && i + 1 < s.size() && s[i + 1] != ',';
    if (escape && !std::isalnum(static_cast<unsigned char>(s[i + 1]))) ++i;
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
  // A trailing backslash escapes nothing here and would escape the
  // separator after it once written.
  while (!out.empty() && out.back() == '\\') out.pop_back();
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
  bool unwrapped_any = false;
  for (int guard = 0; guard < 16; ++guard) {
    bool unwrapped = false;
    std::string_view inner = unwrap(s, &unwrapped);
    if (!unwrapped) break;
    unwrapped_any = true;
    s = trim(inner);
    if (first == '(') s = strip_weight(s, weight);
  }
  if (has_unescaped_comma(s)) {
    // `(red hair, blue eyes:1.2)`: a weighted group; `a (b, c) d`: brackets
    // that group nothing. Either way the caller splits the text again.
    out.assign(s);
    return unwrapped_any ? EntryStatus::kGroup : EntryStatus::kSplit;
  }
  std::string unescaped;
  append_unescaped(s, unescaped);
  normalize_tag_text(unescaped, out);
  // A stray opener left by broken prompt syntax, `(red hair`, would make the
  // written list read back as one group: it goes. `(o)_(o` keeps its own.
  while (!out.empty() && (out[0] == '(' || out[0] == '[' || out[0] == '{') && !opener_closes(out)) out.erase(0, 1);
  if (out.empty()) return EntryStatus::kEmpty;
  if (out.size() > kMaxTagBytes) return EntryStatus::kTooLong;
  return EntryStatus::kOk;
}

void split_on_every_comma(std::string_view list, std::vector<std::string_view>& out) {
  out.clear();
  size_t start = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i] == '\\') {
      ++i;
    } else if (list[i] == ',' || list[i] == '\n') {
      out.push_back(list.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(list.substr(start));
}

void split_tag_list(std::string_view list, std::vector<std::string_view>& out) {
  out.clear();
  // Brackets group only when they open an entry, as prompt weights do:
  // `(red hair, blue eyes:1.2)`. Inside a name (`hatsune_miku_(vocaloid)`,
  // or a stray `(o`) they are just characters.
  int depth = 0;
  bool at_entry_start = true;
  size_t start = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    const char c = list[i];
    if (c == '\\') {
      ++i;
      at_entry_start = false;
      continue;
    }
    const bool opener = c == '(' || c == '[' || c == '{';
    if (opener && (depth > 0 || at_entry_start)) ++depth;
    else if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
    else if ((c == ',' && depth == 0) || c == '\n') {
      out.push_back(list.substr(start, i - start));
      start = i + 1;
      depth = 0;  // a line never carries brackets into the next
      at_entry_start = true;
      continue;
    }
    if (c != ' ' && c != '\t') at_entry_start = false;
  }
  if (depth != 0) {
    // Unbalanced: brackets cannot be trusted to group anything.
    std::vector<std::string_view> rest;
    split_on_every_comma(list.substr(start), rest);
    out.insert(out.end(), rest.begin(), rest.end());
    return;
  }
  out.push_back(list.substr(start));
}

}  // namespace tagforge
