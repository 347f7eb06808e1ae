// The grammar: tags sorted into roles, then sentences.
//
//   [Name from Series,] <count> <expressions> <noun> with <hair>, <eyes>,
//   <body and face> [is|are] <actions, held things, gaze, poses> <outdoors/at
//   night>, wearing <clothes>.   (no action: "… wears <clothes>.")
//   <Framing>, against <background>.  The scene shows <setting, lighting>.
//   Also in the picture: <objects>.  Style: <medium>.  Also: <unknown tags>.
//   Art by <artist>.
#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

#include "caption/derive.h"
#include "caption/english.h"
#include "tagforge/caption.h"

namespace tagforge {
namespace {

// "A", "A and B", "A, B and C".
std::string join_and(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += i + 1 == parts.size() ? " and " : ", ";
    out += parts[i];
  }
  return out;
}

std::string capitalized(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 32);
  return s;
}

// "hatsune_miku_(vocaloid)" -> "Hatsune Miku": names in title case, the
// series qualifier dropped (the series is named on its own).
std::string proper_name(std::string_view tag) {
  if (tag.size() > 2 && tag.back() == ')') {
    if (size_t open = tag.rfind("_("); open != std::string_view::npos && open > 0) tag = tag.substr(0, open);
  }
  std::string out = spaced(tag);
  bool start = true;
  for (char& c : out) {
    if (start && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    start = c == ' ' || c == '-';
  }
  return out;
}

// A noun phrase as it stands in a list: "a tail", "cat ears", "armor",
// "long hair" (hair, skin and fur are mass nouns however they are listed).
std::string listed_noun(const Word& w) {
  const bool mass = w.english.ends_with("hair") || w.english.ends_with("skin") || w.english.ends_with("fur");
  return w.number == Number::kSingular && !mass ? with_article(w.english) : w.english;
}

// How an action's English joins "is …": a participle ("sitting"), a place
// ("on a bed"), or else a "with" phrase ("legs crossed", "semen").
enum class Joins { kParticiple, kPlace, kWith };
Joins joins(std::string_view english) {
  const std::string_view first = english.substr(0, english.find(' '));
  if (first.ends_with("ing")) return Joins::kParticiple;
  for (std::string_view p : {"on", "in", "against", "under", "upside", "back", "face", "partly", "between"}) {
    if (first == p) return Joins::kPlace;
  }
  return Joins::kWith;
}

// "long hair" -> "long"; false when the English is not "<x> hair".
bool hair_adjective(const std::string& english, std::string& adj) {
  constexpr std::string_view kHair = " hair";
  if (english.size() <= kHair.size() || english.compare(english.size() - kHair.size(), kHair.size(), kHair) != 0) {
    return false;
  }
  adj = english.substr(0, english.size() - kHair.size());
  return true;
}

uint64_t splitmix(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

template <typename T>
void seeded_shuffle(std::vector<T>& v, uint64_t& state) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[splitmix(state) % i]);
}

struct Facts {
  std::array<std::vector<const Word*>, kRoleCount> by_role;
  std::vector<std::string_view> characters, series, artists;
  std::vector<std::string> unknown;
  int girls = 0, boys = 0, others = 0;  // SubjectCount::kSeveral/kMany for "more than one"
  bool no_humans = false;
};

void count(int& total, int n) {
  // The larger count wins; "several" and "many" beat any exact count but 2+ exact.
  auto rank = [](int x) { return x == SubjectCount::kMany ? 100 : x == SubjectCount::kSeveral ? 2 : x; };
  if (rank(n) > rank(total)) total = n;
}

Facts gather(const TagList& tags, const TagDb& db, const Lexicon& lx, std::vector<Word>& scratch) {
  Facts f;
  scratch.clear();
  scratch.reserve(tags.tags.size());  // pointers into it stay valid
  for (size_t i = 0; i < tags.tags.size(); ++i) {
    const TagEntry& t = tags.tags[i];
    const std::string_view name = tags.name(i, db);
    const TagCategory cat = t.id == kUnknownTag ? TagCategory::kUnknown : db.category(t.id);
    switch (cat) {
      case TagCategory::kCharacter: f.characters.push_back(name); continue;
      case TagCategory::kCopyright: f.series.push_back(name); continue;
      case TagCategory::kArtist: f.artists.push_back(name); continue;
      case TagCategory::kMeta:
      case TagCategory::kRating: continue;
      default: break;
    }
    SubjectCount sc;
    if (parse_subject_count(name, sc)) {
      count(sc.kind == SubjectKind::kGirl ? f.girls : sc.kind == SubjectKind::kBoy ? f.boys : f.others, sc.n);
      continue;
    }
    if (name == "no_humans") {
      f.no_humans = true;
      continue;
    }
    const Word* w = t.id != kUnknownTag ? lx.find(t.id) : nullptr;
    if (!w && t.id == kUnknownTag) {
      scratch.emplace_back();
      w = lx.find(name, scratch.back());
      if (w != &scratch.back()) scratch.pop_back();
    }
    if (!w) {
      f.unknown.push_back(spaced(name));
      continue;
    }
    if (w->role == Role::kOmit || w->role == Role::kNone) continue;
    f.by_role[static_cast<size_t>(w->role)].push_back(w);
  }
  return f;
}

const std::vector<const Word*>& role(const Facts& f, Role r) { return f.by_role[static_cast<size_t>(r)]; }

bool plural_count(int n) { return n != 0 && n != 1; }

// "two girls and a boy"; the single noun may be replaced by a refiner ("maid").
std::string people_phrase(const Facts& f, const std::string& adjectives, const std::string& single_noun,
                          bool& plural) {
  struct Group {
    int n;
    std::string_view singular, plural;
  };
  std::vector<Group> groups;
  if (f.girls) groups.push_back({f.girls, "girl", "girls"});
  if (f.boys) groups.push_back({f.boys, "boy", "boys"});
  if (f.others) groups.push_back({f.others, "person", "people"});
  plural = groups.size() > 1 || plural_count(groups.front().n);
  std::vector<std::string> parts;
  for (size_t i = 0; i < groups.size(); ++i) {
    const Group& g = groups[i];
    std::string noun = plural_count(g.n) ? std::string(g.plural) : std::string(g.singular);
    if (!plural && !single_noun.empty()) noun = single_noun;
    // Adjectives go with the first group only: "two smiling girls and a boy".
    const std::string adj = i == 0 && !adjectives.empty() ? adjectives + " " : std::string();
    if (plural_count(g.n)) parts.push_back(std::string(count_word(g.n)) + " " + adj + noun);
    else parts.push_back(with_article(adj + noun));
  }
  return join_and(parts);
}

}  // namespace

std::string caption_from_tags(const TagList& tags, const TagDb& db, const Lexicon& lx, const CaptionOptions& opt) {
  thread_local std::vector<Word> scratch;
  Facts f = gather(tags, db, lx, scratch);
  {
    // Nothing to say (no tags, or only meta tags): no caption beyond the trigger.
    bool any = f.girls || f.boys || f.others || f.no_humans || !f.characters.empty() || !f.series.empty() ||
               (opt.keep_unknown && !f.unknown.empty()) || (opt.artist && !f.artists.empty());
    for (size_t r = 0; r < kRoleCount && !any; ++r) any = !f.by_role[r].empty();
    if (!any) return opt.trigger;
  }
  uint64_t rng = opt.seed;
  auto shuffle = [&](auto& v) {
    if (opt.seed) seeded_shuffle(v, rng);
  };

  const bool group = (f.girls != 0) + (f.boys != 0) + (f.others != 0) > 1 || plural_count(f.girls) ||
                     plural_count(f.boys) || plural_count(f.others);
  // The subject's features: "long wavy blonde hair", "red eyes", "a tail".
  // Tags do not say who of several people has which, so a group's features
  // are listed one by one, never merged ("long hair, short hair, black hair").
  std::vector<std::string> with;
  if (group) {
    for (Role r : {Role::kHairLength, Role::kHairStyle, Role::kHairColor, Role::kEyeColor, Role::kEyes, Role::kSkin,
                   Role::kBody, Role::kFace}) {
      for (const Word* w : role(f, r)) with.push_back(listed_noun(*w));
    }
  } else {
    std::string length, styles_adj, colours, adj;
    std::vector<std::string> colour_list, style_nouns;
    std::vector<std::string> lengths;
    for (const Word* w : role(f, Role::kHairLength)) {
      if (hair_adjective(w->english, adj)) lengths.push_back(adj);
      else with.push_back(listed_noun(*w));
    }
    length = join_and(lengths);
    for (const Word* w : role(f, Role::kHairStyle)) {
      if (hair_adjective(w->english, adj)) styles_adj += (styles_adj.empty() ? "" : " ") + adj;
      else style_nouns.push_back(listed_noun(*w));
    }
    for (const Word* w : role(f, Role::kHairColor)) {
      if (hair_adjective(w->english, adj)) colour_list.push_back(adj);
    }
    colours = join_and(colour_list);
    if (!length.empty() || !styles_adj.empty() || !colours.empty()) {
      std::string hair;
      for (const std::string* part : {&length, &styles_adj, &colours}) {
        if (!part->empty()) hair += *part + " ";
      }
      with.push_back(hair + "hair");
    }
    std::vector<std::string> eye_colours;
    for (const Word* w : role(f, Role::kEyeColor)) {
      const std::string& e = w->english;
      eye_colours.push_back(e.size() > 5 && e.compare(e.size() - 5, 5, " eyes") == 0 ? e.substr(0, e.size() - 5) : e);
    }
    if (!eye_colours.empty()) with.push_back(join_and(eye_colours) + " eyes");
    for (auto& s : style_nouns) with.push_back(std::move(s));
    for (Role r : {Role::kEyes, Role::kSkin, Role::kBody, Role::kFace}) {
      for (const Word* w : role(f, r)) with.push_back(listed_noun(*w));
    }
  }
  shuffle(with);

  // What the subject does: "sitting", "holding a sword", "looking at the
  // viewer", then places ("on a bed") and "with" phrases ("legs crossed").
  std::vector<std::string> doing, doing_with;
  for (Role r : {Role::kAction, Role::kHeld, Role::kGaze, Role::kPose}) {
    for (const Word* w : role(f, r)) {
      switch (joins(w->english)) {
        case Joins::kParticiple: doing.push_back(w->english); break;
        case Joins::kPlace: doing.push_back(w->english); break;
        case Joins::kWith: doing_with.push_back(w->english); break;  // phrases, not nouns: no article
      }
    }
  }
  shuffle(doing);
  shuffle(doing_with);
  // Participles first, then places: "sitting and holding a sword on a bed".
  std::stable_partition(doing.begin(), doing.end(), [](const std::string& e) { return joins(e) == Joins::kParticiple; });
  std::vector<std::string> where, scene;  // "outdoors", "at night"; the rest of the setting
  for (const Word* w : role(f, Role::kSetting)) {
    const std::string& e = w->english;
    if (e == "outdoors" || e == "indoors" || e == "underwater") where.push_back(e);
    else if (e == "night") where.push_back("at night");
    else if (e == "daytime") where.push_back("in the daytime");
    else scene.push_back(listed_noun(*w));
  }
  std::string where_phrase;  // "outdoors at night"
  for (const auto& w : where) where_phrase += (where_phrase.empty() ? "" : " ") + w;
  for (const Word* w : role(f, Role::kLighting)) scene.push_back(listed_noun(*w));
  shuffle(scene);
  std::vector<std::string> wearing;
  for (Role r : {Role::kClothing, Role::kAccessory}) {
    for (const Word* w : role(f, r)) wearing.push_back(listed_noun(*w));
  }
  shuffle(wearing);
  std::vector<std::string> objects;
  for (const Word* w : role(f, Role::kObject)) objects.push_back(listed_noun(*w));
  shuffle(objects);

  // Who: people, or (no people) the objects, or a scene.
  std::string expressions;
  {
    std::vector<std::string> e;
    for (const Word* w : role(f, Role::kExpression)) e.push_back(w->english);
    for (size_t i = 0; i < e.size(); ++i) expressions += (i ? ", " : "") + e[i];
  }
  // Refining nouns ("maid", "cat girl", "sisters"). One replaces the noun of a
  // single person only when it names the same kind ("cat girl" for 1girl);
  // the others follow as "who is also a maid" ("who are sisters" for a
  // group). One that cannot fit the count (a plural for one person) is left out.
  const bool people = f.girls || f.boys || f.others;
  const bool one_person = people && !group;
  std::vector<std::string> refiners, among;  // "who are sisters", "among them a maid"
  std::string single_noun;
  for (const Word* w : role(f, Role::kSubject)) {
    const bool plural_noun = w->number == Number::kPlural;
    // "a couple" keeps its article ("who are a couple"); singular nouns get theirs later.
    const std::string noun(plural_noun ? std::string_view(w->english) : without_article(w->english));
    if (one_person && plural_noun) continue;  // "siblings" cannot be one person
    const bool female = noun.ends_with("girl") || noun.ends_with("woman");
    const bool male = noun.ends_with("boy") || noun == "man" || noun.ends_with(" man");
    if ((female && people && !f.girls) || (male && people && !f.boys)) continue;  // a "cat girl" among boys only
    if (group && !plural_noun) {
      among.push_back(with_article(noun));
      continue;
    }
    const bool same_kind = (f.girls && noun.ends_with("girl")) || (f.boys && noun.ends_with("boy"));
    if (one_person && single_noun.empty() && same_kind) single_noun = noun;
    else refiners.push_back(noun);
  }
  bool plural = false;
  std::string subject;
  std::string pronoun = "it";
  if (people) {
    subject = people_phrase(f, expressions, single_noun, plural);
    pronoun = plural ? "they" : f.girls ? "she" : f.boys ? "he" : "they";
  } else if (!refiners.empty()) {
    // A creature, a robot: no count tag, but a subject all the same.
    subject = with_article((expressions.empty() ? "" : expressions + " ") + refiners.front());
    refiners.erase(refiners.begin());
  } else if (!objects.empty() && with.empty() && doing.empty() && doing_with.empty() && wearing.empty()) {
    subject = "a picture of " + join_and(objects);
    objects.clear();
  } else if (doing.empty()) {
    // A scene: where it is goes into the noun, what is in it after "with".
    subject = where_phrase == "outdoors" ? "an outdoor scene" : where_phrase == "indoors" ? "an indoor scene" : "a scene";
    if (subject != "a scene") where_phrase.clear();
    for (auto& s : scene) with.push_back(std::move(s));
    scene.clear();
  } else {
    // Features or actions, but no count tag says whose.
    subject = with_article((expressions.empty() ? "" : expressions + " ") + "figure");
  }

  std::string first;
  const bool named = !f.characters.empty();
  std::string names;
  if (named) {
    std::vector<std::string> n;
    for (auto c : f.characters) n.push_back(proper_name(c));
    names = join_and(n);
    if (!f.series.empty()) {
      std::vector<std::string> s;
      for (auto c : f.series) s.push_back(proper_name(c));
      names += " from " + join_and(s);
    }
  }
  const bool appositive = named && people && !plural && f.characters.size() == 1;
  if (appositive) first = names + ", ";
  first += subject;
  std::string features;  // a second sentence for a group
  if (!with.empty() && group) features = capitalized(pronoun == "they" ? "their" : pronoun) + " features include " + join_and(with) + ".";
  else if (!with.empty()) first += " with " + join_and(with);
  if (!refiners.empty()) {
    std::vector<std::string> r;
    for (const auto& x : refiners) r.push_back(plural ? x : with_article(x));
    first += ", who " + std::string(plural ? "are " : "is also ") + join_and(r) + ",";
  }
  if (!among.empty() && people) first += (first.back() == ',' ? " among them " : ", among them ") + join_and(among) + ",";
  const std::string be = plural ? "are" : "is";
  const bool after_comma = appositive || !refiners.empty() || (!among.empty() && people);
  if (!doing.empty() || !where_phrase.empty() || !doing_with.empty()) {
    first += after_comma && first.back() != ',' ? ", " : " ";
    if (doing.empty() && where_phrase.empty()) first += be + " shown";  // only "with" phrases
    else first += be + " " + (doing.empty() ? where_phrase : join_and(doing));
    if (!doing.empty() && !where_phrase.empty()) first += " " + where_phrase;
    if (!doing_with.empty()) first += " with " + join_and(doing_with);
    if (!wearing.empty()) first += ", wearing " + join_and(wearing);
  } else if (!wearing.empty()) {
    first += after_comma && first.back() != ',' ? ", " : " ";
    first += (plural ? "wear " : "wears ") + join_and(wearing);
  } else if (first.back() == ',') {
    first.pop_back();
  }

  std::vector<std::string> sentences;
  if (named && !appositive) sentences.push_back(capitalized(names) + ".");
  sentences.push_back(capitalized(first) + ".");
  if (!features.empty()) sentences.push_back(features);

  std::vector<std::string> after;
  {
    std::vector<std::string> framing;
    for (const Word* w : role(f, Role::kFraming)) framing.push_back(w->english);
    std::vector<std::string> background;
    bool simple = false;
    for (const Word* w : role(f, Role::kBackground)) {
      if (w->english == "a simple background" && role(f, Role::kBackground).size() > 1) simple = true;
      else background.push_back(listed_noun(*w));
    }
    // "a simple background" joins another: "a simple white background".
    if (simple) {
      const std::string_view base = without_article(background.front());
      if (base.size() != background.front().size()) background.front() = with_article("simple " + std::string(base));
    }
    if (!framing.empty()) {
      std::string s = capitalized(join_and(framing));
      if (!background.empty()) s += ", against " + join_and(background);
      after.push_back(s + ".");
    } else if (!background.empty()) {
      after.push_back("Shown against " + join_and(background) + ".");
    }
  }
  if (!scene.empty()) after.push_back("The scene shows " + join_and(scene) + ".");
  if (!objects.empty()) after.push_back("Also in the picture: " + join_and(objects) + ".");
  {
    std::vector<std::string> medium;
    for (const Word* w : role(f, Role::kMedium)) medium.push_back(w->english);
    if (!medium.empty()) after.push_back("Style: " + join_and(medium) + ".");
  }
  shuffle(after);
  for (auto& s : after) sentences.push_back(std::move(s));
  if (opt.keep_unknown && !f.unknown.empty()) sentences.push_back("Also: " + join_and(f.unknown) + ".");
  if (opt.artist && !f.artists.empty()) {
    std::vector<std::string> a;
    for (auto x : f.artists) a.push_back(spaced(x));
    sentences.push_back("Art by " + join_and(a) + ".");
  }

  std::string out;
  if (!opt.trigger.empty()) out = opt.trigger + ", ";
  for (size_t i = 0; i < sentences.size(); ++i) {
    if (i) out += ' ';
    if (i == 0 && !opt.trigger.empty() && !named) {
      // "ohwx, a smiling girl": the sentence goes on after the trigger.
      std::string s = sentences[0];
      if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z' && (s.size() < 2 || !(s[1] >= 'A' && s[1] <= 'Z'))) s[0] = static_cast<char>(s[0] + 32);
      out += s;
    } else {
      out += sentences[i];
    }
  }
  return out;
}

}  // namespace tagforge
