// "Natural" order for file names, as people expect from a file manager:
// img2.png before img10.png, case folded, ties broken by raw bytes so that
// the order is total and the same on every machine.
#pragma once

#include <string_view>

namespace tagforge {

// <0, 0, >0 like strcmp. Runs of ASCII digits compare by value (leading zeros
// ignored; on equal value the shorter run first), other bytes by ASCII-folded
// value; equal-looking names fall back to bytewise comparison.
int natural_compare(std::string_view a, std::string_view b);

inline bool natural_less(std::string_view a, std::string_view b) { return natural_compare(a, b) < 0; }

}  // namespace tagforge
