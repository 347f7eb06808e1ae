// A float for JSON output: the double whose shortest text is the float's own
// shortest text, so 0.9f prints as 0.9 rather than 0.8999999761581421.
#pragma once

#include <fmt/format.h>

#include <charconv>
#include <string>

namespace tagforge::cli {

inline double json_float(float f) {
  const std::string text = fmt::format("{}", f);
  double d = f;
  std::from_chars(text.data(), text.data() + text.size(), d);
  return d;
}

}  // namespace tagforge::cli
