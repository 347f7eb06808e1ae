// Small pieces of English the lexicon and the grammar share.
#pragma once

#include <string>
#include <string_view>

namespace tagforge {

// "a" or "an" for the word that follows ("an apple", "a uniform", "an hour").
std::string_view indefinite_article(std::string_view next_word);

// "red dress" -> "a red dress"; text that already starts with an article
// ("a", "an", "the") is returned as it is.
std::string with_article(std::string_view text);

// Drops a leading "a ", "an " or "the ".
std::string_view without_article(std::string_view text);

// "long_hair" -> "long hair".
std::string spaced(std::string_view tag);

}  // namespace tagforge
