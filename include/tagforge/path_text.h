// File names are arbitrary bytes on Linux; this makes them printable.
#pragma once

#include <string>
#include <string_view>

namespace tagforge {

// Valid UTF-8 passes through; control characters (newline, tab, ESC…) become
// \n, \t, \x1b; a backslash becomes \\; bytes that are not valid UTF-8 become
// \xNN. The result is valid UTF-8 on one line, so a name with a newline
// cannot forge output, and distinct names stay distinct.
std::string printable_path(std::string_view bytes);

// True when `bytes` is well-formed UTF-8 (no overlongs, no surrogates).
bool is_valid_utf8(std::string_view bytes);

}  // namespace tagforge
