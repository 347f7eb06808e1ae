#include "tags/normalize.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <array>
#include <cctype>
#include <charconv>
#include <cstring>

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

// Drops the backslash of `\(` and friends. A comma cannot be part of a tag
// in a comma-separated file, escaped or not: it is dropped, so that what is
// written always reads back as the same tags.
void append_unescaped(std::string_view s, std::string& out) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && !std::isalnum(static_cast<unsigned char>(s[i + 1]))) ++i;
    if (s[i] != ',') out += s[i];
  }
}

// What normalize_tag_text does with each byte.
enum ByteClass : uint8_t { kCopy, kUpper, kSpace, kUnderscore, kSpecial };

constexpr std::array<uint8_t, 256> make_byte_classes() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c <= 0x20; ++c) t[c] = kSpace;  // controls count as spaces
  t[0x7F] = kSpace;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kUpper;
  t['_'] = kUnderscore;
  t['\\'] = kSpecial;
  t[':'] = kSpecial;
  return t;
}
constexpr std::array<uint8_t, 256> kByteClass = make_byte_classes();

// The first index at or after `i` of a byte normalize_tag_text must look
// at (a capital, a space or control byte, a backslash or a colon); sixteen
// bytes at a time where SSE2 is there.
size_t next_to_normalize(std::string_view s, size_t i) {
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7F), backslash = _mm_set1_epi8('\\'),
                colon = _mm_set1_epi8(':'), a = _mm_set1_epi8('A'), az = _mm_set1_epi8('Z' - 'A');
  for (; i + 16 <= s.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    const __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(v, space), v);  // v <= 0x20
    const __m128i upper_off = _mm_sub_epi8(v, a);
    const __m128i upper = _mm_cmpeq_epi8(_mm_min_epu8(upper_off, az), upper_off);  // 'A' <= v <= 'Z'
    const __m128i other = _mm_or_si128(_mm_cmpeq_epi8(v, del), _mm_or_si128(_mm_cmpeq_epi8(v, backslash), _mm_cmpeq_epi8(v, colon)));
    const int mask = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(low, upper), other));
    if (mask) return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  while (i < s.size()) {
    const uint8_t k = kByteClass[static_cast<unsigned char>(s[i])];
    if (k != kCopy && k != kUnderscore) break;
    ++i;
  }
  return i;
}

// What split_tag_list looks at; everything else is skipped in a tight loop.
enum SplitClass : uint8_t { kPlain, kBlank, kComma, kNewline, kEscape, kOpen, kClose };

constexpr std::array<uint8_t, 256> make_split_classes() {
  std::array<uint8_t, 256> t{};
  t[' '] = t['\t'] = kBlank;
  t[','] = kComma;
  t['\n'] = kNewline;
  t['\\'] = kEscape;
  t['('] = t['['] = t['{'] = kOpen;
  t[')'] = t[']'] = t['}'] = kClose;
  return t;
}
constexpr std::array<uint8_t, 256> kSplitClass = make_split_classes();

// The first byte at or after `i` that split_tag_list acts on once inside an
// entry: a separator, an escape or a bracket.
size_t next_structural(std::string_view s, size_t i) {
#if defined(__SSE2__)
  const __m128i comma = _mm_set1_epi8(','), newline = _mm_set1_epi8('\n'), escape = _mm_set1_epi8('\\'),
                open1 = _mm_set1_epi8('('), close1 = _mm_set1_epi8(')'), open2 = _mm_set1_epi8('['),
                close2 = _mm_set1_epi8(']'), open3 = _mm_set1_epi8('{'), close3 = _mm_set1_epi8('}');
  for (; i + 16 <= s.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    __m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, newline));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, escape));
    m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, open1), _mm_cmpeq_epi8(v, close1)));
    m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, open2), _mm_cmpeq_epi8(v, close2)));
    m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, open3), _mm_cmpeq_epi8(v, close3)));
    const int mask = _mm_movemask_epi8(m);
    if (mask) return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  while (i < s.size()) {
    const uint8_t k = kSplitClass[static_cast<unsigned char>(s[i])];
    if (k != kPlain && k != kBlank) break;
    ++i;
  }
  return i;
}

}  // namespace

void normalize_tag_text(std::string_view raw, std::string& out) { normalize_tag_text(raw, out, nullptr); }

void normalize_tag_text(std::string_view raw, std::string& out, bool* saw_escape_or_colon) {
  raw = trim(raw);
  out.resize(raw.size());  // never grows: runs of spaces only shrink
  char* w = out.data();
  char* const begin = w;
  bool pending_space = false;
  bool special = false;
  // Runs of bytes that stay as they are are copied whole; only the bytes
  // between them (a capital, a space) are looked at one by one.
  for (size_t i = 0;;) {
    const size_t run_end = next_to_normalize(raw, i);
    if (run_end > i) {
      // A pending space becomes '_' unless the run starts with one: "a _b".
      if (pending_space && raw[i] != '_') *w++ = '_';
      pending_space = false;
      std::memcpy(w, raw.data() + i, run_end - i);
      w += run_end - i;
    }
    i = run_end;
    if (i == raw.size()) break;
    const auto c = static_cast<unsigned char>(raw[i++]);
    if (kByteClass[c] == kSpace) {
      if (w != begin && w[-1] != '_') pending_space = true;
      continue;
    }
    if (pending_space) {
      *w++ = '_';
      pending_space = false;
    }
    special |= kByteClass[c] == kSpecial;
    *w++ = kByteClass[c] == kUpper ? static_cast<char>(c + 32) : static_cast<char>(c);
  }
  // A trailing backslash escapes nothing here and would escape the
  // separator after it once written.
  while (w != begin && w[-1] == '\\') --w;
  out.resize(static_cast<size_t>(w - begin));
  if (saw_escape_or_colon) *saw_escape_or_colon = special;
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
  const char first = s.front();
  const bool bracketed = first == '(' || first == '[' || first == '{';
  bool special = true;
  // `(tag:1.2)`: a weight, never a kaomoji or a tag as written; straight on.
  if (!bracketed || s.find(':') == std::string_view::npos) {
    // As written: a kaomoji or a tag that itself has brackets, e.g. `(o)_(o)`.
    normalize_tag_text(s, out, &special);
    if (is_kaomoji(out)) return EntryStatus::kOk;
  }
  // (A weight has a colon: `(tag:1.2)` is never a tag as written.)
  if (bracketed && !special && db && db->find(out) != kUnknownTag) return EntryStatus::kOk;
  if (!bracketed && !special) {  // the common case: done in one pass
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
  // No unescaped comma is left, so without a backslash there is nothing to
  // unescape or drop: `(tag:1.2)`.
  if (s.find('\\') == std::string_view::npos) {
    normalize_tag_text(s, out);
  } else {
    thread_local std::string unescaped;  // reused: no allocation per entry
    unescaped.clear();
    append_unescaped(s, unescaped);
    normalize_tag_text(unescaped, out);
  }
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
  const size_t n = list.size();
  for (size_t i = 0; i < n; ++i) {
    switch (kSplitClass[static_cast<unsigned char>(list[i])]) {
      case kPlain:
        // Inside an entry, blanks change nothing either: skip to the next
        // byte that can.
        at_entry_start = false;
        i = next_structural(list, i + 1) - 1;
        break;
      case kBlank:
        break;
      case kEscape:
        ++i;
        at_entry_start = false;
        break;
      case kOpen:
        if (depth > 0 || at_entry_start) ++depth;
        at_entry_start = false;
        break;
      case kClose:
        if (depth > 0) --depth;
        at_entry_start = false;
        break;
      case kComma:
        if (depth > 0) {
          at_entry_start = false;
          break;
        }
        [[fallthrough]];
      case kNewline:
        out.push_back(list.substr(start, i - start));
        start = i + 1;
        depth = 0;  // a line never carries brackets into the next
        at_entry_start = true;
        break;
    }
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
