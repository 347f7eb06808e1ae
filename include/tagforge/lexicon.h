// The lexicon: the English of booru tags and the part each plays in a
// caption (data/lexicon.txt, plus entries derived from its parts: red_dress
// from "red" and "dress", holding_sword from "sword", cat_ears, 3girls…).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tagforge/error.h"
#include "tagforge/tag_db.h"

namespace tagforge {

enum class Role : uint8_t {
  kNone,  // not in the lexicon
  kSubject,
  kHairLength,
  kHairStyle,
  kHairColor,
  kEyeColor,
  kEyes,
  kSkin,
  kBody,
  kExpression,  // an adjective before the subject: "smiling"
  kFace,        // a "with" phrase: "an open mouth"
  kClothing,
  kAccessory,
  kHeld,
  kAction,
  kPose,
  kGaze,
  kFraming,
  kBackground,
  kSetting,
  kLighting,
  kMedium,
  kObject,
  kOmit,  // never in prose: text, meta, censoring
};
inline constexpr size_t kRoleCount = static_cast<size_t>(Role::kOmit) + 1;
std::string_view role_name(Role r);  // "hair_color", … as in the file's [sections]

enum class Number : uint8_t {
  kSingular,  // "a dress"
  kPlural,    // "shoes"
  kMass,      // "armor"
};

struct Word {
  Role role = Role::kNone;
  Number number = Number::kSingular;
  std::string english;                // "red dress"; may start with an article
  std::vector<std::string> synonyms;  // other English a caption may use
  bool derived = false;               // built from parts, not listed
  // For the scorer: the folded words of the English (no article) and of
  // each synonym, as hashes; and the English's folded words as text.
  std::vector<std::vector<uint64_t>> forms;
  std::vector<std::string> english_words;
  std::vector<uint64_t> english_hashes;
  uint8_t leading_modifiers = 0;  // how many of english_words before the last are modifiers (colours…)
};

// One line of the file that could not be used, for the user.
struct LexiconWarning {
  size_t line = 0;
  std::string message;
};

class Lexicon {
 public:
  // Parses the lexicon text; `origin` names it in errors. A line that
  // cannot be parsed is an error naming the line; a tag missing from `db`
  // is a warning (it is kept).
  static Result<Lexicon> parse(std::string_view text, std::string_view origin, const TagDb* db);
  static Result<Lexicon> load(const std::filesystem::path& file, const TagDb* db);

  // The entry of a tag (booru form: "red_dress"), listed or derived; nullptr
  // when the lexicon has no role for it. A derived entry is built in
  // `scratch` unless the tag is one the database knows (those are derived
  // once, at load). Thread-safe.
  const Word* find(std::string_view tag, Word& scratch) const;
  // The entry of a tag of the database the lexicon was loaded with; no
  // hashing (a caption looks up every tag of a list).
  const Word* find(TagId id) const { return id < by_id_.size() ? by_id_[id] : nullptr; }

  // A colour word of the [colors] section, or nullptr ("light_blue" -> "light blue").
  const Word* color(std::string_view name) const;
  // By a word's match hash (src/caption/match.h: one folded word): is it a
  // colour of some [colors] entry, English or synonym ("red", "gray",
  // "golden")? Is it a colour, pattern or other word that stacks before a
  // noun ("long", "light", "frilled"), and so may stand between "long" and
  // "hair"?
  bool is_color_hash(uint64_t hash) const;
  bool is_modifier_hash(uint64_t hash) const;

  // Fills w.forms, w.english_words/hashes and w.leading_modifiers (done at load for
  // every stored entry; the scorer calls it for entries built in scratch).
  void prepare_for_matching(Word& w) const;

  const std::vector<LexiconWarning>& warnings() const { return warnings_; }
  size_t listed() const { return listed_; }

 private:
  friend class LexiconDeriver;
  std::unordered_map<std::string, Word> words_;      // listed and pre-derived tags
  std::unordered_map<std::string, Word> colors_, patterns_;
  std::vector<const Word*> by_id_;  // into words_ (nodes never move)
  std::vector<uint64_t> color_hashes_, modifier_hashes_;  // sorted
  std::vector<LexiconWarning> warnings_;
  size_t listed_ = 0;
};

// How much of the database's use the lexicon covers: of the `top` most used
// general tags, the share of tag occurrences (weighted by post count) and
// of tags that have a role.
struct LexiconCoverage {
  size_t tags = 0, covered_tags = 0;
  uint64_t posts = 0, covered_posts = 0;
  std::vector<std::pair<std::string, uint64_t>> missing;  // most used first
  double weighted() const { return posts ? static_cast<double>(covered_posts) / static_cast<double>(posts) : 0; }
};
LexiconCoverage lexicon_coverage(const Lexicon& lexicon, const TagDb& db, size_t top);

}  // namespace tagforge
