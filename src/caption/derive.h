// Entries built from parts: colours and patterns before items (red_dress,
// striped_thighhighs), hair and eye colours, holding_X, X_ears, X_tail,
// X_hair_ornament, X_background, subject counts (3girls, multiple_boys).
#pragma once

#include <string_view>

#include "tagforge/lexicon.h"

namespace tagforge {

// Who a counting tag counts: 1girl, 3boys, 6+girls, multiple_others.
enum class SubjectKind : uint8_t { kGirl, kBoy, kOther };
struct SubjectCount {
  SubjectKind kind = SubjectKind::kGirl;
  int n = 0;  // 1…9, or kSeveral (multiple_*), or kMany (6+*)
  static constexpr int kSeveral = -1, kMany = -2;
};
bool parse_subject_count(std::string_view tag, SubjectCount& out);

// A count in words: "one" … "nine", "several" (kSeveral), "many" (kMany and
// anything past nine), "no" for zero.
std::string_view count_word(int n);

class LexiconDeriver {
 public:
  explicit LexiconDeriver(const Lexicon& lexicon) : lx_(lexicon) {}
  // Fills `out` and returns true when `tag` can be built from listed parts.
  bool derive(std::string_view tag, Word& out) const;

 private:
  const Word* listed(std::string_view tag) const;
  // "light_blue_striped" -> "light blue striped": every word a colour or pattern.
  bool modifiers(std::string_view text, std::string& english) const;
  bool subject_count(std::string_view tag, Word& out) const;
  bool modified_item(std::string_view tag, Word& out) const;

  const Lexicon& lx_;
};

}  // namespace tagforge
