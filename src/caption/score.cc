// The scorer. A "fact" is one tag with a role; the caption mentions it when
// the words of its English (or of a synonym) occur in order, a few words
// apart at most.
#include "tagforge/score.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>

#include "caption/derive.h"
#include "caption/english.h"
#include "caption/match.h"

namespace tagforge {
namespace {

struct Fact {
  std::string_view tag;  // booru form, for `missing`
  const Word* word = nullptr;
  Role role = Role::kNone;
  double weight = 1;
  const std::vector<std::vector<uint64_t>>* forms = nullptr;  // the word's, a person's nouns, or `own_forms`
  std::vector<std::vector<uint64_t>> own_forms;                // names, unknown tags
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
  for (int i = 1; i <= 9; ++i) {
    if (w == count_word(i)) return i;
  }
  if (w.size() == 1 && w[0] >= '1' && w[0] <= '9') return w[0] - '0';
  if (w == "several" || w == "many" || w == "multiple" || w == "group" || w == "both" || w == "couple" || w == "pair")
    return SubjectCount::kSeveral;
  return 0;
}

// How many people of each kind the caption describes: per noun, a count
// word up to four words before it (not across punctuation), else the noun's
// number ("a girl": one; "girls": several).
Counted count_in_caption(const std::vector<MatchWord>& words) {
  Counted c;
  auto more = [](int& total, int n) {
    auto rank = [](int x) { return x == SubjectCount::kSeveral || x == SubjectCount::kMany ? 2 : x; };
    if (rank(n) > rank(total)) total = n;
  };
  for (size_t i = 0; i < words.size(); ++i) {
    std::string_view noun = words[i].text;
    bool plural = words[i].plural;
    if (noun == "women") noun = "woman", plural = true;
    else if (noun == "men") noun = "man", plural = true;
    else if (noun == "people") plural = true;
    int* total = is_one_of(noun, kGirlWords) ? &c.girls : is_one_of(noun, kBoyWords) ? &c.boys
                 : is_one_of(noun, kOtherWords) ? &c.others : nullptr;
    if (!total) continue;
    int n = plural ? SubjectCount::kSeveral : 1;
    auto person_noun = [](std::string_view w) {
      return is_one_of(w, kGirlWords) || is_one_of(w, kBoyWords) || is_one_of(w, kOtherWords) || w == "women" ||
             w == "men";
    };
    // "two girls and a boy": the boy's count stops at "girl".
    for (size_t back = 1; back <= 4 && back <= i && words[i - back].text != "," && !person_noun(words[i - back].text);
         ++back) {
      if (int v = count_word_value(words[i - back].text)) {
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

// A set of word hashes that is cleared in O(1): a stamp per slot.
class HashSet64 {
 public:
  void clear() {
    if (++stamp_ == 0) {  // wrapped: really clear
      std::fill(stamps_.begin(), stamps_.end(), 0);
      stamp_ = 1;
    }
    size_ = 0;
  }
  void insert(uint64_t h) {
    if ((size_ + 1) * 2 > keys_.size()) grow();
    size_t i = h & (keys_.size() - 1);
    while (stamps_[i] == stamp_) {
      if (keys_[i] == h) return;
      i = (i + 1) & (keys_.size() - 1);
    }
    stamps_[i] = stamp_;
    keys_[i] = h;
    ++size_;
  }
  bool contains(uint64_t h) const {
    if (keys_.empty()) return false;
    size_t i = h & (keys_.size() - 1);
    while (stamps_[i] == stamp_) {
      if (keys_[i] == h) return true;
      i = (i + 1) & (keys_.size() - 1);
    }
    return false;
  }

 private:
  void grow() {
    std::vector<uint64_t> old;
    for (size_t i = 0; i < keys_.size(); ++i) {
      if (stamps_[i] == stamp_) old.push_back(keys_[i]);
    }
    const size_t n = std::max<size_t>(512, keys_.size() * 2);
    keys_.assign(n, 0);
    stamps_.assign(n, 0);
    stamp_ = 1;
    size_ = 0;
    for (uint64_t h : old) insert(h);
  }

  std::vector<uint64_t> keys_;
  std::vector<uint32_t> stamps_;
  uint32_t stamp_ = 1;
  size_t size_ = 0;
};

bool modifier(const void* lexicon, const MatchWord& word) {
  return static_cast<const Lexicon*>(lexicon)->is_modifier_hash(word.hash);
}

// The phrase in the caption; a colour phrase ("red eyes") also as "eyes
// (are) red", the little words between having been dropped.
bool mentions(const std::vector<MatchWord>& words, const std::vector<uint64_t>& phrase, bool colour_first,
              const Lexicon& lx) {
  if (find_phrase(words, phrase, modifier, &lx) >= 0) return true;
  if (phrase.size() == 2 && colour_first) {
    for (size_t i = 0; i + 1 < words.size(); ++i) {
      if (words[i].hash == phrase[1] && words[i + 1].hash == phrase[0]) return true;
    }
  }
  return false;
}

// The nouns a caption may name a kind of person with (those it counts by,
// and "someone"), hashed once.
const std::vector<std::vector<uint64_t>>& person_forms(SubjectKind kind) {
  auto hashed = [](auto words, std::initializer_list<std::string_view> more) {
    std::vector<std::vector<uint64_t>> out;
    for (auto w : words) out.push_back(match_hashes(w));
    for (auto w : more) out.push_back(match_hashes(w));
    return out;
  };
  static const auto girl = hashed(kGirlWords, {});
  static const auto boy = hashed(kBoyWords, {});
  static const auto other = hashed(kOtherWords, {"someone"});
  return kind == SubjectKind::kGirl ? girl : kind == SubjectKind::kBoy ? boy : other;
}

}  // namespace

std::vector<std::string> quality_tags_for(double overall, const ScoreOptions& opt) {
  std::vector<std::string> out;
  for (const QualityBand& b : opt.bands) {
    if (overall >= b.min) {
      out.push_back(b.tag);
      break;
    }
  }
  if (!opt.accuracy_prefix.empty()) {
    const int tens = std::clamp(static_cast<int>(std::floor(overall * 10 + 1e-9)), 1, 9) * 10;
    out.push_back(opt.accuracy_prefix + std::to_string(tens));
  }
  return out;
}

std::vector<std::string> approved_quality_tags() { return {"auto_best_caption", "accuracy_90_up"}; }

bool is_quality_tag(std::string_view tag, const ScoreOptions& opt) {
  if (tag == kReviewTag) return true;
  for (const QualityBand& b : opt.bands) {
    if (tag == b.tag) return true;
  }
  if (!opt.accuracy_prefix.empty() && tag.rfind(opt.accuracy_prefix, 0) == 0) return true;
  return (tag.rfind("auto_", 0) == 0 && tag.size() > 13 && tag.substr(tag.size() - 8) == "_caption") ||
         tag.rfind("accuracy_", 0) == 0;
}

Result<std::vector<QualityBand>> parse_quality_bands(std::string_view spec) {
  std::vector<QualityBand> out;
  while (!spec.empty()) {
    const size_t comma = spec.find(',');
    std::string_view part = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    const size_t eq = part.find('=');
    char* end = nullptr;
    const std::string number(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
    const double min = number.empty() ? -1 : std::strtod(number.c_str(), &end);
    if (eq == 0 || eq == std::string_view::npos || number.empty() || *end != '\0' || min < 0 || min > 1) {
      return Error{ErrorCode::kInvalidInput, "bad quality band '" + std::string(part) + "': want tag=min with min in [0,1]", {}};
    }
    out.push_back({min, std::string(part.substr(0, eq))});
  }
  if (out.empty()) return Error{ErrorCode::kInvalidInput, "no quality bands given", {}};
  std::stable_sort(out.begin(), out.end(), [](const QualityBand& a, const QualityBand& b) { return a.min > b.min; });
  return out;
}

CaptionScore score_caption(std::string_view caption, const TagList& tags, const TagDb& db, const Lexicon& lx,
                           const ScoreOptions& opt, const Detections* det) {
  CaptionScore out;
  thread_local std::string storage;
  thread_local std::vector<MatchWord> words;
  words.clear();
  match_words(caption, storage, words);

  // The facts the tags state.
  std::vector<Fact> facts;
  facts.reserve(tags.tags.size());
  Counted tagged;
  thread_local std::vector<Word> scratch;
  scratch.assign(tags.tags.size(), Word{});
  for (size_t i = 0; i < tags.tags.size(); ++i) {
    const TagEntry& t = tags.tags[i];
    const std::string_view name = tags.name(i, db);
    const TagCategory cat = t.id == kUnknownTag ? TagCategory::kUnknown : db.category(t.id);
    if (cat == TagCategory::kMeta || cat == TagCategory::kRating || cat == TagCategory::kArtist) continue;
    Fact f;
    f.tag = name;
    if (cat == TagCategory::kCharacter || cat == TagCategory::kCopyright) {
      std::string n = spaced(name);
      if (size_t paren = n.find(" ("); paren != std::string::npos) n.resize(paren);  // the series qualifier
      f.own_forms.push_back(match_hashes(n));
      f.role = Role::kSubject;
      f.weight = 2;
      facts.push_back(std::move(f));
      continue;
    }
    SubjectCount sc;
    if (parse_subject_count(name, sc)) {
      int& total = sc.kind == SubjectKind::kGirl ? tagged.girls : sc.kind == SubjectKind::kBoy ? tagged.boys : tagged.others;
      if (total == 0 || many(sc.n)) total = sc.n;
      f.forms = &person_forms(sc.kind);
      f.role = Role::kSubject;
      f.weight = role_weight(Role::kSubject);
      facts.push_back(std::move(f));
      continue;
    }
    const Word* w = t.id != kUnknownTag ? lx.find(t.id) : lx.find(name, scratch[i]);
    if (w == &scratch[i]) lx.prepare_for_matching(scratch[i]);
    if (!w) {
      if (cat != TagCategory::kUnknown) continue;  // a known tag the lexicon leaves out
      f.own_forms.push_back(match_hashes(spaced(name)));  // a trigger word: it must be there
      facts.push_back(std::move(f));
      continue;
    }
    if (w->role == Role::kOmit || w->role == Role::kNone) continue;
    f.word = w;
    f.role = w->role;
    f.weight = role_weight(w->role);
    f.forms = &w->forms;
    facts.push_back(std::move(f));
  }
  for (Fact& f : facts) {
    if (!f.forms) f.forms = &f.own_forms;
  }

  // tag_inclusion, and the role-weighted recall of english_similarity.
  double weight_all = 0, weight_found = 0;
  size_t found = 0;
  for (const Fact& f : facts) {
    const bool colour_first = f.word && f.word->english_words.size() == 2 && lx.is_color_hash(f.word->english_hashes[0]);
    bool hit = false;
    for (const auto& form : *f.forms) {
      if (mentions(words, form, colour_first, lx)) {
        hit = true;
        break;
      }
    }
    weight_all += f.weight;
    if (hit) {
      ++found;
      weight_found += f.weight;
    } else {
      out.missing.emplace_back(f.tag);
    }
  }
  out.tag_inclusion = facts.empty() ? 1.0 : static_cast<double>(found) / static_cast<double>(facts.size());
  const double recall = weight_all > 0 ? weight_found / weight_all : 1.0;

  // Precision: the share of the caption's words that the deterministic
  // caption of the same tags could use: every fact's English and synonyms,
  // the grammar's own words, counts. Invented details lower it.
  thread_local HashSet64 vocabulary;
  vocabulary.clear();
  for (const Fact& f : facts) {
    for (const auto& form : *f.forms) {
      for (uint64_t h : form) vocabulary.insert(h);
    }
  }
  static const std::vector<uint64_t> kGrammar = [] {
    std::vector<uint64_t> h;
    for (std::string_view w : {"wear", "wearing", "view", "picture", "scene", "show", "also", "style", "feature",
                               "include", "background", "against", "image", "shown", "who", "there", ",", "one",
                               "two", "three", "four", "five", "six", "seven", "eight", "nine", "several", "many",
                               "girl", "boy", "person", "people", "from", "art"}) {
      h.push_back(match_hash(w));
    }
    return h;
  }();
  for (uint64_t h : kGrammar) vocabulary.insert(h);
  if (!opt.caption.trigger.empty()) {
    for (uint64_t h : match_hashes(opt.caption.trigger)) vocabulary.insert(h);
  }
  if (opt.caption.artist) {
    for (size_t i = 0; i < tags.tags.size(); ++i) {
      if (tags.tags[i].id != kUnknownTag && db.category(tags.tags[i].id) == TagCategory::kArtist) {
        for (uint64_t h : match_hashes(spaced(tags.name(i, db)))) vocabulary.insert(h);
      }
    }
  }
  size_t known = 0, counted = 0;
  for (const auto& w : words) {
    if (w.text == ",") continue;
    ++counted;
    if (vocabulary.contains(w.hash)) {
      ++known;
    } else if (out.extra.size() < 32 && std::find(out.extra.begin(), out.extra.end(), w.text) == out.extra.end()) {
      out.extra.emplace_back(w.text);
    }
  }
  const double precision = counted == 0 ? 0.0 : static_cast<double>(known) / static_cast<double>(counted);

  // Contradictions: counts, colours of the same item, hair length, place and time.
  const Counted said = count_in_caption(words);
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
  // Colours: each coloured fact's item ("dress", "hair", "eye") with the
  // colours the tags allow for it; a colour in the words stacked before that
  // item in the caption that no tag gives is a contradiction.
  {
    struct ItemColours {
      std::string_view item;
      uint64_t hash;
      std::vector<std::string_view> colours;
      std::string_view tag;
    };
    std::vector<ItemColours> items;
    for (const Fact& f : facts) {
      if (!f.word || f.word->english_words.size() < 2) continue;
      // The colours among the words before the item: "light blue hair" gives "blue".
      const auto& ew = f.word->english_words;
      std::vector<std::string_view> colours;
      for (size_t c = 0; c < f.word->leading_modifiers; ++c) {
        if (lx.is_color_hash(f.word->english_hashes[c])) colours.push_back(ew[c]);
      }
      if (colours.empty()) continue;
      const std::string_view item = ew.back();
      auto it = std::find_if(items.begin(), items.end(), [&](const ItemColours& x) { return x.item == item; });
      if (it == items.end()) it = items.insert(items.end(), ItemColours{item, match_hash(item), {}, f.tag});
      for (auto c : colours) it->colours.push_back(c);
    }
    for (const ItemColours& ic : items) {
      for (size_t i = 0; i < words.size(); ++i) {
        if (words[i].hash != ic.hash) continue;
        // Back over the words that stack before the item: "light blue frilled dress".
        for (size_t back = 1; back <= 3 && back <= i && lx.is_modifier_hash(words[i - back].hash); ++back) {
          const std::string_view c = words[i - back].text;
          if (!lx.is_color_hash(words[i - back].hash)) continue;
          if (std::find(ic.colours.begin(), ic.colours.end(), c) == ic.colours.end()) {
            out.contradicted.push_back("caption: '" + std::string(c) + " " + std::string(ic.item) + "'; tags: " +
                                       std::string(ic.tag));
          }
        }
      }
    }
  }
  // Opposites: a caption saying one where the tags say only the other.
  struct Opposite {
    std::string_view tag, caption_says;
    std::array<std::string_view, 3> other_tags;  // any of these excuses the caption
  };
  static constexpr std::array<Opposite, 8> kOpposites = {{
      {"long_hair", "short hair", {"short_hair", "very_short_hair", "medium_hair"}},
      {"very_long_hair", "short hair", {"short_hair", "very_short_hair", "medium_hair"}},
      {"short_hair", "long hair", {"long_hair", "very_long_hair", "absurdly_long_hair"}},
      {"outdoors", "indoors", {"indoors", "", ""}},
      {"indoors", "outdoors", {"outdoors", "", ""}},
      {"night", "daytime", {"day", "", ""}},
      {"night", "daylight", {"day", "", ""}},
      {"day", "night", {"night", "night_sky", ""}},
  }};
  static const std::vector<std::vector<uint64_t>> kSays = [] {
    std::vector<std::vector<uint64_t>> v;
    for (const auto& o : kOpposites) v.push_back(match_hashes(o.caption_says));  // "indoors" folds to "indoor"
    return v;
  }();
  auto has_tag = [&](std::string_view t) {
    return std::any_of(facts.begin(), facts.end(), [&](const Fact& f) { return f.tag == t; });
  };
  std::vector<std::string_view> reported;  // one report per tag and per caption phrase
  for (size_t k = 0; k < kOpposites.size(); ++k) {
    const Opposite& o = kOpposites[k];
    if (std::find(reported.begin(), reported.end(), o.tag) != reported.end() ||
        std::find(reported.begin(), reported.end(), o.caption_says) != reported.end()) {
      continue;
    }
    if (!has_tag(o.tag) || std::any_of(o.other_tags.begin(), o.other_tags.end(), [&](std::string_view t) {
          return !t.empty() && has_tag(t);
        })) {
      continue;
    }
    if (find_phrase(words, kSays[k], modifier, &lx, 1) < 0) continue;
    out.contradicted.push_back("caption: '" + std::string(o.caption_says) + "'; tags: " + std::string(o.tag));
    reported.push_back(o.tag);
    reported.push_back(o.caption_says);
  }

  const double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
  out.english_similarity = std::max(0.0, f1 - 0.25 * static_cast<double>(out.contradicted.size()));

  // Segmentation: what detectors counted and found against what the caption says.
  if (det && (det->persons >= 0 || det->faces >= 0 || !det->parts.empty())) {
    std::vector<double> parts;
    auto exact = [](int n) { return n > 0 ? n : n == 0 ? 0 : 2; };  // "several": at least two
    const int people = exact(said.girls) + exact(said.boys) + exact(said.others);
    auto agreement = [](int said_n, int found) {
      return said_n == found ? 1.0 : std::max(0.0, 1.0 - std::abs(said_n - found) / std::max(1.0, found * 1.0));
    };
    if (det->persons >= 0) parts.push_back(agreement(people, det->persons));
    if (det->faces >= 0) parts.push_back(agreement(people, det->faces));
    if (!det->parts.empty()) {
      size_t named = 0;
      for (const auto& label : det->parts) {
        const std::vector<uint64_t> lw = match_hashes(label);
        if (!lw.empty() && mentions(words, lw, false, lx)) ++named;
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
  if (opt.quality_tags) out.quality_tags = quality_tags_for(out.overall, opt);
  out.flagged = out.overall < opt.flag_below;
  return out;
}

}  // namespace tagforge
