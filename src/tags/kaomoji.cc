// Danbooru's emoticon tags that contain an underscore. Replacing it with a
// space would turn `^_^` into `^ ^`, which no model was trained on.
#include <algorithm>
#include <array>
#include <string_view>

#include "tags/normalize.h"

namespace tagforge {

bool is_kaomoji_listed(std::string_view s) {
  static constexpr std::array<std::string_view, 34> kFaces = {
      "#_#",     "$_$",   "(o)_(o)", "*_*", "+_+", "+_-", "-_-", "-_o", "-_^", "._.", "0_0", "0_o",
      ";_;",     "<o>_<o>", "<|>_<|>", "=_=", ">_<", ">_o", "@_@", "3_3", "6_9", "^_-", "^_^", "^_^;",
      "o_0",     "o_o",   "t_t",     "u_u", "x_x", "|_|", "||_||", "o_o;", "-_-;", ">_<;"};
  if (s.find('_') == std::string_view::npos) return false;
  return std::find(kFaces.begin(), kFaces.end(), s) != kFaces.end();
}

}  // namespace tagforge
