// The scorer. A "fact" is one tag with a role; the caption mentions it when
// the words of its English (or of a synonym) occur in order, a few words
// apart at most.
#include "tagforge/score.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "caption/derive.h"
#include "caption/english.h"
#include "caption/match.h"

namespace tagforge {
namespace {

struct Fact {
  std::string tag;  // booru form, for `missing`
  const Word* word = nullptr;
  Role role = Role::kNone;
  double weight = 1;
  std::vector<std::string> forms;  // English and synonyms; subjects: the nouns that name them
};

// How much a fact weighs in english_similarity: who and what they look like
// matter most, the setting least.
double role_weight(Role r) {
  switch (r) {
    case Role::kSubject: return 3;
    case Role::kHairColor: case Role::kHairLength: case Role::kEyeColor: case Role::kClothing: return 2;
    case Role::kHairStyle: case Role::kExpression: case Role::kAction: case Role::kHeld: case Role::kGaze:
    case Role::kAccessory: case Role::kFraming: return 1.5;
    default: return 1;
  }
}

struct Counted {
  int girls = 0, boys = 0, others = 0;  // as in SubjectCount: n, kSeveral, kMany
};

// Words that name people of each kind, singular and plural (folded).
constexpr std::array<std::string_view, 3> kGirlWords = {"girl", "woman", "lady"};
constexpr std::array<std::string_view, 2> kBoyWords = {"boy", "man"};
constexpr std::array<std::string_view, 2> kOtherWords = {"person", "people"};

template <size_t N>
bool is_one_of(std::string_view w, const std::array<std::string_view, N>& set) {
  return std::find(set.begin(), set.end(), w) != set.end();
}

int count_word_value(std::string_view w) {
  static constexpr std::array<std::string_view, 10> kNumbers = {"zero", "one", "two",   "three", "four",
                                                                "five", "six", "seven", "eight", "nine"};
  for (size_t i = 1; i < kNumbers.size(); ++i) {
    if (w == kNumbers[i]) return static_cast<int>(i);
  }
  if (w.size() == 1 && w[0] >= '1' && w[0] <= '9') return w[0] - '0';
  if (w == "several" || w == "many" || w == "multiple" || w == "group" || w == "both" || w == "couple" || w == "pair")
    return SubjectCount::kSeveral;
  return 0;
}

// How many people of each kind the caption describes: per noun, a count
// word up to four words before it, else the noun's number. Works on the raw
// lower-cased words (articles and plurals matter here).
Counted count_in_caption(std::string_view caption) {
  std::vector<std::string> words;
  std::string w;
  for (char c : caption) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      w.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else if (!w.empty()) {
      words.push_back(std::move(w));
      w.clear();
    }
  }
  if (!w.empty()) words.push_back(std::move(w));
  Counted c;
  auto more = [](int& total, int n) {
    auto rank = [](int x) { return x == SubjectCount::kSeveral || x == SubjectCount::kMany ? 2 : x; };
    if (rank(n) > rank(total)) total = n;
  };
  for (size_t i = 0; i < words.size(); ++i) {
    std::string_view noun = words[i];
    bool plural = false;
    if (noun == "women") noun = "woman", plural = true;
    else if (noun == "men") noun = "man", plural = true;
    else if (noun == "ladies") noun = "lady", plural = true;
    else if (noun == "people") plural = true;
    else if (noun.size() > 3 && noun.back() == 's') noun.remove_suffix(1), plural = true;
    int* total = is_one_of(noun, kGirlWords) ? &c.girls : is_one_of(noun, kBoyWords) ? &c.boys
                 : is_one_of(noun, kOtherWords) ? &c.others : nullptr;
    if (!total) continue;
    int n = plural ? SubjectCount::kSeveral : 1;
    for (size_t back = 1; back <= 4 && back <= i; ++back) {
      if (int v = count_word_value(words[i - back])) {
        n = v;
        break;
      }
    }
    more(*total, n);
  }
  return c;
}

bool many(int n) { return n == SubjectCount::kSeveral || n == SubjectCount::kMany || n >= 2; }

std::string count_text(int n) {
  return n == SubjectCount::kSeveral ? "several" : n == SubjectCount::kMany ? "many" : std::to_string(n);
}

bool modifier(const void* lexicon, std::string_view word) {
  return static_cast<const Lexicon*>(lexicon)->is_modifier_word(word);
}

// The phrase in the caption; a colour phrase ("red eyes") also as "eyes
// (are) red", the little words between having been dropped.
bool mentions(const std::vector<std::string_view>& words, const std::vector<std::string_view>& phrase, const Lexicon& lx) {
  if (find_phrase(words, phrase, modifier, &lx) >= 0) return true;
  if (phrase.size() == 2 && lx.is_color_word(phrase[0])) {
    for (size_t i = 0; i + 1 < words.size(); ++i) {
      if (words[i] == phrase[1] && words[i + 1] == phrase[0]) return true;
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> quality_tags_for(double overall) {
  const char* band = overall >= 0.9    ? "auto_best_caption"
                     : overall >= 0.75 ? "auto_good_caption"
                     : overall >= 0.6  ? "auto_okay_caption"
                     : overall >= 0.4  ? "auto_bad_caption"
                                       : "auto_worst_caption";
  const int tens = std::clamp(static_cast<int>(std::floor(overall * 10 + 1e-9)), 1, 9) * 10;
  return {band, "accuracy_" + std::to_string(tens)};
}

std::vector<std::string> approved_quality_tags() { return {"auto_best_caption", "accuracy_90_up"}; }

bool is_quality_tag(std::string_view tag) {
  return (tag.rfind("auto_", 0) == 0 && tag.size() > 13 && tag.substr(tag.size() - 8) == "_caption") ||
         tag.rfind("accuracy_", 0) == 0;
}

CaptionScore score_caption(std::string_view caption, const TagList& tags, const TagDb& db, const Lexicon& lx,
                           const ScoreOptions& opt, const Detections* det) {
  CaptionScore out;
  std::string storage;
  std::vector<std::string_view> words;
  match_words(caption, storage, words);

  // The facts the tags state.
  std::vector<Fact> facts;
  Counted tagged;
  std::vector<Word> scratch(tags.tags.size());
  for (size_t i = 0; i < tags.tags.size(); ++i) {
    const TagEntry& t = tags.tags[i];
    const std::string_view name = tags.name(i, db);
    const TagCategory cat = t.id == kUnknownTag ? TagCategory::kUnknown : db.category(t.id);
    if (cat == TagCategory::kMeta || cat == TagCategory::kRating || cat == TagCategory::kArtist) continue;
    Fact f;
    f.tag = std::string(name);
    if (cat == TagCategory::kCharacter || cat == TagCategory::kCopyright) {
      std::string n = spaced(name);
      if (size_t paren = n.find(" ("); paren != std::string::npos) n.resize(paren);  // the series qualifier
      f.forms.push_back(std::move(n));
      f.role = Role::kSubject;
      f.weight = 2;
      facts.push_back(std::move(f));
      continue;
    }
    SubjectCount sc;
    if (parse_subject_count(name, sc)) {
      int& total = sc.kind == SubjectKind::kGirl ? tagged.girls : sc.kind == SubjectKind::kBoy ? tagged.boys : tagged.others;
      if (total == 0 || many(sc.n)) total = sc.n;
      const auto& nouns = sc.kind == SubjectKind::kGirl ? std::vector<std::string>{"girl", "woman", "lady"}
                          : sc.kind == SubjectKind::kBoy ? std::vector<std::string>{"boy", "man"}
                                                         : std::vector<std::string>{"person", "people", "someone"};
      f.forms = nouns;
      f.role = Role::kSubject;
      f.weight = role_weight(Role::kSubject);
      facts.push_back(std::move(f));
      continue;
    }
    const Word* w = t.id != kUnknownTag ? lx.find(t.id) : lx.find(name, scratch[i]);
    if (!w) {
      if (cat != TagCategory::kUnknown) continue;  // a known tag the lexicon leaves out
      f.forms.push_back(spaced(name));             // a trigger word: it must be there
      f.weight = 1;
      facts.push_back(std::move(f));
      continue;
    }
    if (w->role == Role::kOmit || w->role == Role::kNone) continue;
    f.word = w;
    f.role = w->role;
    f.weight = role_weight(w->role);
    f.forms.push_back(std::string(without_article(w->english)));
    for (const auto& s : w->synonyms) f.forms.push_back(s);
    facts.push_back(std::move(f));
  }

  // tag_inclusion and the weighted recall of english_similarity.
  std::string form_storage;
  std::vector<std::string_view> form_words;
  double weight_all = 0, weight_found = 0;
  size_t found = 0;
  for (const Fact& f : facts) {
    bool hit = false;
    for (const auto& form : f.forms) {
      form_words.clear();
      match_words(form, form_storage, form_words);
      if (!form_words.empty() && mentions(words, form_words, lx)) {
        hit = true;
        break;
      }
    }
    weight_all += f.weight;
    if (hit) {
      ++found;
      weight_found += f.weight;
    } else {
      out.missing.push_back(f.tag);
    }
  }
  out.tag_inclusion = facts.empty() ? 1.0 : static_cast<double>(found) / static_cast<double>(facts.size());
  const double recall = weight_all > 0 ? weight_found / weight_all : 1.0;

  // Precision: the caption's words that the deterministic caption of the same
  // tags (or a synonym of one of its facts) also uses; invented details lower it.
  const std::string reference = caption_from_tags(tags, db, lx, opt.caption);
  std::string ref_storage;
  std::vector<std::string_view> vocabulary;
  match_words(reference, ref_storage, vocabulary);
  std::string syn_storage;
  std::vector<std::string> kept;  // storage for synonym words
  for (const Fact& f : facts) {
    for (const auto& form : f.forms) {
      std::vector<std::string_view> fw;
      match_words(form, syn_storage, fw);
      for (auto x : fw) kept.emplace_back(x);
    }
  }
  for (const auto& k : kept) vocabulary.push_back(k);
  static constexpr std::array<std::string_view, 16> kScaffold = {
      "wear",   "wearing", "view",  "picture", "scene", "show", "also", "style",
      "feature", "include", "background", "against", "image", "shown", "who", "there"};
  std::sort(vocabulary.begin(), vocabulary.end());
  size_t known = 0;
  for (auto w : words) {
    if (std::binary_search(vocabulary.begin(), vocabulary.end(), w) || is_one_of(w, kScaffold)) ++known;
  }
  const double precision = words.empty() ? 0.0 : static_cast<double>(known) / static_cast<double>(words.size());

  // Contradictions: counts, colours of the same item, hair length, place and time.
  const Counted said = count_in_caption(caption);
  auto check_count = [&](int tags_n, int said_n, std::string_view noun) {
    if (tags_n == 0 || said_n == 0) return;
    if (many(tags_n) != many(said_n) || (tags_n > 0 && said_n > 0 && tags_n != said_n)) {
      out.contradicted.push_back("caption: " + count_text(said_n) + " " + std::string(noun) + "; tags: " +
                                 count_text(tags_n));
    }
  };
  check_count(tagged.girls, said.girls, "girl(s)");
  check_count(tagged.boys, said.boys, "boy(s)");
  check_count(tagged.others, said.others, "person(s)");
  // Colours: each coloured fact's item ("dress", "hair", "eyes") with the
  // colours the tags allow for it; a caption colour before that item that
  // none of the tags gives is a contradiction.
  {
    struct ItemColours {
      std::string item;
      std::vector<std::string> colours, tags;
    };
    std::vector<ItemColours> items;
    std::string st;
    for (const Fact& f : facts) {
      if (!f.word) continue;
      std::vector<std::string_view> fw;
      match_words(without_article(f.word->english), st, fw);
      size_t k = 0;
      std::vector<std::string> colours;
      while (k + 1 < fw.size() && lx.is_color_word(fw[k])) colours.emplace_back(fw[k++]);
      if (colours.empty()) continue;
      const std::string item(fw.back());
      auto it = std::find_if(items.begin(), items.end(), [&](const ItemColours& x) { return x.item == item; });
      if (it == items.end()) it = items.insert(items.end(), ItemColours{item, {}, {}});
      for (auto& c : colours) it->colours.push_back(c);
      it->tags.push_back(f.tag);
    }
    for (const ItemColours& ic : items) {
      for (size_t i = 0; i < words.size(); ++i) {
        if (words[i] != ic.item) continue;
        // Back over the words that stack before the item: "light blue frilled dress".
        for (size_t back = 1; back <= 3 && back <= i && lx.is_modifier_word(words[i - back]); ++back) {
          const std::string_view c = words[i - back];
          if (!lx.is_color_word(c)) continue;
          if (std::find(ic.colours.begin(), ic.colours.end(), c) == ic.colours.end()) {
            out.contradicted.push_back("caption: '" + std::string(c) + " " + ic.item + "'; tags: " + ic.tags.front());
          }
        }
      }
    }
  }
  auto has_tag = [&](std::string_view t) {
    return std::any_of(facts.begin(), facts.end(), [&](const Fact& f) { return f.tag == t; });
  };
  auto says = [&](std::string_view phrase) {  // folded like the caption: "indoors" is "indoor"
    std::string st;
    std::vector<std::string_view> p;
    match_words(phrase, st, p);
    return find_phrase(words, p, modifier, &lx, 1) >= 0;
  };
  const bool long_tag = has_tag("long_hair") || has_tag("very_long_hair") || has_tag("absurdly_long_hair");
  const bool short_tag = has_tag("short_hair") || has_tag("very_short_hair");
  if (long_tag && !short_tag && says("short hair")) out.contradicted.push_back("caption: 'short hair'; tags: long_hair");
  if (short_tag && !long_tag && says("long hair")) out.contradicted.push_back("caption: 'long hair'; tags: short_hair");
  if (has_tag("outdoors") && !has_tag("indoors") && says("indoors")) out.contradicted.push_back("caption: 'indoors'; tags: outdoors");
  if (has_tag("indoors") && !has_tag("outdoors") && says("outdoors")) out.contradicted.push_back("caption: 'outdoors'; tags: indoors");
  if (has_tag("night") && !has_tag("day") && (says("daytime") || says("daylight")))
    out.contradicted.push_back("caption: 'daytime'; tags: night");
  if (has_tag("day") && !has_tag("night") && says("night")) out.contradicted.push_back("caption: 'night'; tags: day");

  const double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
  out.english_similarity = std::max(0.0, f1 - 0.25 * static_cast<double>(out.contradicted.size()));

  // Segmentation: what detectors counted and found against what the caption says.
  if (det && (det->persons >= 0 || det->faces >= 0 || !det->parts.empty())) {
    std::vector<double> parts;
    auto people_said = [&] {
      auto exact = [](int n) { return n > 0 ? n : n == 0 ? 0 : 2; };  // "several": at least two
      return exact(said.girls) + exact(said.boys) + exact(said.others);
    };
    if (det->persons >= 0) {
      const int n = people_said();
      parts.push_back(n == det->persons ? 1.0 : std::max(0.0, 1.0 - std::abs(n - det->persons) / std::max(1.0, det->persons * 1.0)));
    }
    if (det->faces >= 0) {
      const int n = people_said();
      parts.push_back(n == det->faces ? 1.0 : std::max(0.0, 1.0 - std::abs(n - det->faces) / std::max(1.0, det->faces * 1.0)));
    }
    if (!det->parts.empty()) {
      size_t named = 0;
      for (const auto& label : det->parts) {
        std::vector<std::string_view> lw;
        std::string ls;
        match_words(label, ls, lw);
        if (!lw.empty() && mentions(words, lw, lx)) ++named;
      }
      parts.push_back(static_cast<double>(named) / static_cast<double>(det->parts.size()));
    }
    double sum = 0;
    for (double p : parts) sum += p;
    out.segmentation = sum / static_cast<double>(parts.size());
  }

  double sum = out.tag_inclusion + out.english_similarity;
  double n = 2;
  if (out.segmentation) sum += *out.segmentation, n += 1;
  out.overall = std::min(opt.auto_cap, sum / n);
  if (opt.quality_tags) out.quality_tags = quality_tags_for(out.overall);
  out.flagged = out.overall < opt.flag_below;
  return out;
}

}  // namespace tagforge
