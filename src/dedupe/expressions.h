// A face's expression, from tags: two pictures of one pose that differ only in
// the face (a visual novel's sprite as "normal", "smile", "surprised") are a
// few pixels apart at any hash's size, yet each teaches a LoRA something the
// other does not. The pixels cannot tell such a pair from a copy with a small
// watermark; the tags can. So a candidate pair of near copies whose
// expressions differ is not a copy (issue 21).
//
// Like is compared with like: the tagger's predictions when it ran on both,
// else the user's own tags when both have them; otherwise nothing is known and
// the pixels decide alone. A tagger's scores move a little between a picture
// and its re-encode, so a tag counts as a difference only when one picture
// shows it surely (>= kSureExpression) and the other not at all (it is not
// among the other's tags).
#pragma once

#include <cstdint>
#include <string_view>

namespace tagforge {

inline constexpr float kSureExpression = 0.6f;

struct Expression {
  bool known = false;
  uint64_t shows = 0;  // expression tags shown surely, one bit each
  uint64_t seen = 0;   // expression tags among its tags at all (a superset of shows)

  // A tag of the picture, with the tagger's probability (1 for the user's own).
  void add(std::string_view tag, float probability);
};

// The bit of an expression tag ("smile", "open_mouth", ":d"; spaces read as
// underscores, case ignored), 0 for any other tag.
uint64_t expression_bit(std::string_view tag);

// Both known, and one shows surely what the other does not have.
inline bool different_expressions(const Expression& a, const Expression& b) {
  return a.known && b.known && ((a.shows & ~b.seen) != 0 || (b.shows & ~a.seen) != 0);
}

}  // namespace tagforge
