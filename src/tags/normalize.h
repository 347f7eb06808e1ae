// From what people type to the canonical form the database uses: one entry
// of a comma-separated list at a time, into a caller-owned buffer so that a
// million lists clean without allocating.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace tagforge {

class TagDb;

inline constexpr size_t kMaxTagBytes = 200;  // longer entries are not tags

// Lower case (ASCII), spaces to underscores, control bytes removed, ends
// trimmed, trailing backslashes dropped. Nothing else: no parentheses,
// weights or escapes are touched.
void normalize_tag_text(std::string_view raw, std::string& out);
// The same, and says whether `raw` held a backslash or a colon.
void normalize_tag_text(std::string_view raw, std::string& out, bool* saw_escape_or_colon);

enum class EntryStatus { kOk, kEmpty, kTooLong, kGroup, kSplit };

// One list entry: trims, removes attention syntax `(tag)`, `[tag]`, `{tag}`
// and weights `(tag:1.2)`, unescapes `\(` `\)`, then normalize_tag_text.
// Kaomoji (`^_^`, `(o)_(o)`) and, when `db` is given, any entry that is a
// tag as written are taken as they are. `weight` gets the prompt weight (1
// when none). kGroup: a weight covered several tags, `(red hair, blue
// eyes:1.2)`; `out` holds the raw inside for the caller to split again.
// kSplit: commas inside brackets that wrap nothing (`a (b, c) d`); `out`
// holds the raw entry for split_on_every_comma. A tag never holds a comma.
EntryStatus normalize_entry(std::string_view raw, const TagDb* db, std::string& out, float* weight);

// Splits a list on commas (and newlines) outside parentheses; when the
// parentheses never balance, on every comma. Entries are raw (untrimmed).
void split_tag_list(std::string_view list, std::vector<std::string_view>& out);

// Splits on every comma and newline not escaped with a backslash.
void split_on_every_comma(std::string_view list, std::vector<std::string_view>& out);

// Emoticon tags whose underscores are part of the face: kept when
// underscores are otherwise replaced by spaces. Inline: it is asked of every
// tag, and nearly every tag fails on its length or first byte.
bool is_kaomoji_listed(std::string_view canonical);
inline constexpr auto kKaomojiFirstByte = [] {
  std::array<bool, 256> t{};
  for (char c : std::string_view("#$(*+-.0;<=>@36^otux|")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();
inline bool is_kaomoji(std::string_view s) {
  if (s.size() < 3 || s.size() > 9 || !kKaomojiFirstByte[static_cast<unsigned char>(s[0])]) return false;
  return is_kaomoji_listed(s);
}

}  // namespace tagforge
