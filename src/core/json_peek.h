// Reading a few members out of a JSON object's text without building a
// document: the review index and the dedupe read a number or a string from each of
// hundreds of thousands of manifest rows, and a full parse (SQLite's
// json_extract or nlohmann) was most of its time. Only the top level is
// looked at; nested values are skipped whole (strings, escapes, brackets).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tagforge {

// The raw text of `key`'s value at the top level of `object` (its first
// occurrence), e.g. `0.5`, `true`, `"a \"b\""`, `[1,2]`; nullopt when the
// text is not an object, the key is not there, or the text breaks off.
// Keys are compared as written (a key spelled with escapes does not match).
std::optional<std::string_view> peek_member(std::string_view object, std::string_view key);

std::optional<double> peek_number(std::string_view object, std::string_view key);
std::optional<bool> peek_bool(std::string_view object, std::string_view key);
// The string, unescaped; nullopt when the value is not a string.
std::optional<std::string> peek_string(std::string_view object, std::string_view key);

}  // namespace tagforge
