// Finding a phrase's words in a caption: lower case, hyphens as spaces,
// plurals folded ("shoes" ~ "shoe", "stockings" ~ "stocking"), little words
// ignored, punctuation a barrier no phrase crosses, and a few modifiers
// allowed between the words sought ("long blonde hair" contains "long hair").
// Words are compared by a 64-bit hash of their folded form.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tagforge {

struct MatchWord {
  std::string_view text;  // folded; a view into the storage given to match_words
  uint64_t hash = 0;
  bool plural = false;    // folding took a plural ending off
};

uint64_t match_hash(std::string_view folded);

// The words of `text`, folded, little words dropped, appended to `out`
// (views into `storage`, which is cleared and refilled). Punctuation between
// words becomes one "," word.
void match_words(std::string_view text, std::string& storage, std::vector<MatchWord>& out);

// The folded words' hashes of `text` (for phrases kept with lexicon entries).
std::vector<uint64_t> match_hashes(std::string_view text);

// Do the words `phrase` hashes to occur in `caption` in order, with at most
// `gap` words between two of them, each one that `skippable` accepts?
// Returns the position of the first word, or -1.
using Skippable = bool (*)(const void* context, const MatchWord& word);
int find_phrase(const std::vector<MatchWord>& caption, const std::vector<uint64_t>& phrase, Skippable skippable,
                const void* context, size_t gap = 3);

}  // namespace tagforge
