#include "caption/derive.h"

#include <array>

#include "caption/english.h"

namespace tagforge {
namespace {

bool ends_with(std::string_view s, std::string_view p) {
  return s.size() > p.size() && s.substr(s.size() - p.size()) == p;
}

bool starts_with(std::string_view s, std::string_view p) { return s.size() > p.size() && s.substr(0, p.size()) == p; }

// Roles an item can have for a colour or pattern to go before it.
bool takes_modifiers(Role r) {
  return r == Role::kClothing || r == Role::kAccessory || r == Role::kObject || r == Role::kBody || r == Role::kSkin;
}

}  // namespace

std::string_view count_word(int n) {
  static constexpr std::array<std::string_view, 10> kWords = {"no",  "one", "two",   "three", "four",
                                                              "five", "six", "seven", "eight", "nine"};
  if (n == SubjectCount::kSeveral) return "several";
  if (n < 0 || n >= static_cast<int>(kWords.size())) return "many";
  return kWords[static_cast<size_t>(n)];
}

bool parse_subject_count(std::string_view tag, SubjectCount& out) {
  std::string_view kind;
  if (starts_with(tag, "multiple_")) {
    kind = tag.substr(9);
    out.n = SubjectCount::kSeveral;
  } else {
    size_t i = 0;
    while (i < tag.size() && tag[i] >= '0' && tag[i] <= '9') ++i;
    if (i != 1 || tag[0] == '0') return false;
    out.n = tag[0] - '0';
    kind = tag.substr(1);
    if (!kind.empty() && kind[0] == '+') {
      kind.remove_prefix(1);
      out.n = SubjectCount::kMany;
    }
  }
  const bool one = out.n == 1;
  if (kind == (one ? "girl" : "girls")) out.kind = SubjectKind::kGirl;
  else if (kind == (one ? "boy" : "boys")) out.kind = SubjectKind::kBoy;
  else if (kind == (one ? "other" : "others")) out.kind = SubjectKind::kOther;
  else return false;
  return true;
}

const Word* LexiconDeriver::listed(std::string_view tag) const {
  auto it = lx_.words_.find(std::string(tag));
  return it == lx_.words_.end() || it->second.derived ? nullptr : &it->second;
}

bool LexiconDeriver::modifiers(std::string_view text, std::string& english) const {
  // From the left, the longest modifier at each step ("light_blue" before "light").
  english.clear();
  size_t pos = 0;
  std::string key;
  while (pos < text.size()) {
    const Word* best = nullptr;
    size_t best_end = 0;
    for (size_t end = pos + 1; end <= text.size(); ++end) {
      if (end != text.size() && text[end] != '_') continue;
      key.assign(text.substr(pos, end - pos));
      if (auto c = lx_.colors_.find(key); c != lx_.colors_.end()) best = &c->second, best_end = end;
      else if (auto p = lx_.patterns_.find(key); p != lx_.patterns_.end()) best = &p->second, best_end = end;
    }
    if (!best) return false;
    if (!english.empty()) english += ' ';
    english += best->english;
    pos = best_end + 1;
  }
  return !english.empty();
}

bool LexiconDeriver::subject_count(std::string_view tag, Word& out) const {
  SubjectCount c;
  if (!parse_subject_count(tag, c)) return false;
  const std::string_view noun = c.kind == SubjectKind::kGirl ? "girl" : c.kind == SubjectKind::kBoy ? "boy" : "person";
  out = Word{};
  out.role = Role::kSubject;
  out.derived = true;
  if (c.n == 1) {
    out.english = with_article(noun);
    return true;
  }
  out.number = Number::kPlural;
  out.english = std::string(count_word(c.n)) + " " + (c.kind == SubjectKind::kOther ? std::string("people") : std::string(noun) + "s");
  return true;
}

bool LexiconDeriver::modified_item(std::string_view tag, Word& out) const {
  // Try each split "<modifiers>_<item>", the longest item first.
  std::string mods;
  for (size_t cut = tag.find('_'); cut != std::string_view::npos; cut = tag.find('_', cut + 1)) {
    const std::string_view item_tag = tag.substr(cut + 1);
    const Word* item = listed(item_tag);
    Role role = item ? item->role : Role::kNone;
    std::string item_english = item ? item->english : std::string();
    Number number = item ? item->number : Number::kSingular;
    if (!item && item_tag == "clothes") {
      role = Role::kClothing;
      item_english = "clothes";
      number = Number::kPlural;
    }
    if (!takes_modifiers(role) || !modifiers(tag.substr(0, cut), mods)) continue;
    out = Word{};
    out.role = role;
    out.number = number;
    out.derived = true;
    const std::string_view base = without_article(item_english);
    const bool had_article = base.size() != item_english.size();
    out.english = mods + " " + std::string(base);
    if (had_article) out.english = with_article(out.english);
    return true;
  }
  return false;
}

bool LexiconDeriver::derive(std::string_view tag, Word& out) const {
  if (subject_count(tag, out)) return true;
  auto make = [&](Role role, Number number, std::string english) {
    out = Word{};
    out.role = role;
    out.number = number;
    out.english = std::move(english);
    out.derived = true;
    return true;
  };
  std::string mods;
  auto colour_of = [&](std::string_view suffix, std::string& english) {
    return ends_with(tag, suffix) && lx_.color(tag.substr(0, tag.size() - suffix.size())) != nullptr &&
           (english = lx_.color(tag.substr(0, tag.size() - suffix.size()))->english, true);
  };
  if (colour_of("_hair", mods)) return make(Role::kHairColor, Number::kMass, mods + " hair");
  if (colour_of("_eyes", mods)) return make(Role::kEyeColor, Number::kPlural, mods + " eyes");
  if (colour_of("_background", mods)) return make(Role::kBackground, Number::kSingular, with_article(mods + " background"));
  if (colour_of("_nails", mods)) return make(Role::kBody, Number::kPlural, mods + " nails");
  if (colour_of("_theme", mods)) return make(Role::kMedium, Number::kSingular, mods + " color scheme");
  if (colour_of("_skin", mods)) return make(Role::kSkin, Number::kMass, mods + " skin");

  if (starts_with(tag, "holding_")) {
    const std::string_view what = tag.substr(8);
    Word inner;
    std::string english;
    if (const Word* w = listed(what); w && w->role != Role::kAction) {
      english = w->number == Number::kSingular ? with_article(w->english) : w->english;
    } else if (derive(what, inner)) {
      english = inner.number == Number::kSingular ? with_article(inner.english) : inner.english;
    } else {
      english = with_article(spaced(what));
    }
    return make(Role::kHeld, Number::kSingular, "holding " + english);
  }
  struct Suffix {
    std::string_view suffix;
    Role role;
    Number number;
    std::string_view english;  // after the spaced prefix
  };
  static constexpr std::array<Suffix, 9> kSuffixes = {{
      {"_hair_ornament", Role::kAccessory, Number::kSingular, " hair ornament"},
      {"_ears", Role::kBody, Number::kPlural, " ears"},
      {"_tail", Role::kBody, Number::kSingular, " tail"},
      {"_horns", Role::kBody, Number::kPlural, " horns"},
      {"_wings", Role::kBody, Number::kPlural, " wings"},
      {"_halo", Role::kBody, Number::kSingular, " halo"},
      {"_girl", Role::kSubject, Number::kSingular, " girl"},
      {"_boy", Role::kSubject, Number::kSingular, " boy"},
      {"_print", Role::kClothing, Number::kSingular, " print"},
  }};
  if (modified_item(tag, out)) return true;
  for (const Suffix& s : kSuffixes) {
    if (ends_with(tag, s.suffix)) {
      return make(s.role, s.number, spaced(tag.substr(0, tag.size() - s.suffix.size())) + std::string(s.english));
    }
  }
  if (ends_with(tag, "_focus")) return make(Role::kFraming, Number::kSingular, "focus on the " + spaced(tag.substr(0, tag.size() - 6)));
  if (auto p = lx_.patterns_.find(std::string(tag)); p != lx_.patterns_.end()) {
    return make(Role::kClothing, Number::kSingular, p->second.english + " pattern");
  }
  return false;
}

}  // namespace tagforge
