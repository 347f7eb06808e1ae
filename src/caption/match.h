// Finding a phrase's words in a caption: lower case, hyphens as spaces,
// plurals folded ("shoes" ~ "shoe", "stockings" ~ "stocking"), little words
// ignored, punctuation a barrier no phrase crosses, and a few modifiers
// allowed between the words sought ("long blonde hair" contains "long hair").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tagforge {

// The words of `text`, folded, little words dropped, appended to `out`
// (views into `storage`, which is cleared and refilled). Punctuation between
// words becomes one "," word.
void match_words(std::string_view text, std::string& storage, std::vector<std::string_view>& out);

// Is `word` (already folded) one of the little words match_words drops?
bool is_little_word(std::string_view word);

// Do `phrase`'s words occur in `caption` in order, with at most `gap`
// words between two of them, each one that `skippable` accepts? Returns the
// position of the first word, or -1.
using Skippable = bool (*)(const void* context, std::string_view word);
int find_phrase(const std::vector<std::string_view>& caption, const std::vector<std::string_view>& phrase,
                Skippable skippable, const void* context, size_t gap = 3);

}  // namespace tagforge
