#include "dedupe/expressions.h"

#include <iterator>
#include <string>

namespace tagforge {

namespace {

// Danbooru's tags for what a face does (its "face tags" group, the eyes' and
// mouth's states and the emotions), as taggers name them.
constexpr std::string_view kExpressionTags[] = {
    "smile",          "grin",           "light_smile",     "evil_smile",     "smirk",         "laughing",
    "open_mouth",     "closed_mouth",   "parted_lips",     "clenched_teeth", "teeth",         "tongue_out",
    "wavy_mouth",     "pout",           "frown",           "closed_eyes",    "one_eye_closed", "half-closed_eyes",
    "wide-eyed",      "wink",           "blush",          "full-face_blush", "nose_blush",    "tears",
    "crying",         "streaming_tears", "crying_with_eyes_open", "sweat", "sweatdrop",     "angry",
    "annoyed",        "surprised",      "scared",          "sad",            "happy",         "embarrassed",
    "nervous",        "serious",        "expressionless",  "sleepy",         "yawning",       "drooling",
    "furrowed_brow",  "raised_eyebrows", "v-shaped_eyebrows", "shaded_face", "jitome",        "empty_eyes",
    ":d",             ":o",             ":3",              ":p",             ";d",            ";)",
    "^_^",            ">_<",            "d:",              "o_o",            "+_+",           "@_@",
};
static_assert(std::size(kExpressionTags) <= 64, "one bit each");

std::string normalised(std::string_view tag) {
  while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t' || tag.front() == '\r')) tag.remove_prefix(1);
  while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t' || tag.back() == '\r')) tag.remove_suffix(1);
  std::string out(tag);
  for (char& c : out) {
    if (c == ' ') c = '_';
    else if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  return out;
}

uint64_t bit_of(std::string_view name) {
  for (size_t i = 0; i < std::size(kExpressionTags); ++i) {
    if (kExpressionTags[i] == name) return uint64_t{1} << i;
  }
  return 0;
}

}  // namespace

uint64_t expression_bit(std::string_view tag) { return bit_of(normalised(tag)); }

void Expression::add(std::string_view tag, float probability) {
  const std::string name = normalised(tag);
  if (name.empty()) return;  // a list's empty entry says nothing
  known = true;
  const uint64_t bit = bit_of(name);
  seen |= bit;
  if (probability >= kSureExpression) shows |= bit;
}

}  // namespace tagforge
