// Tag lists: parse what sidecars and taggers say, merge them, prune
// contradictions and redundancy by rules kept as data, and format the result
// the way kohya's tagger script writes it.
//
//   TagDb db = *TagDb::load({data / "danbooru_tags.csv"});
//   TagRules rules = *TagRules::load(data / "tag_rules.toml", db);
//   TagList list = parse_tag_list("1girl, Long Hair, (very long hair:1.2)", db);
//   prune_tags(list, db, rules, PruneOptions{}, &changes);
//   std::string text = format_tags(list, db, FormatOptions{});
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "tagforge/error.h"
#include "tagforge/tag_db.h"

namespace tagforge {

inline constexpr float kNoConfidence = -1.0f;  // a human-written tag: no probability

struct TagEntry {
  TagId id = kUnknownTag;
  std::string_view name;             // known tags: the database's name, or empty (ask the database);
                                     // a view into the database, which must outlive the list
  std::string text;                  // canonical text; set for unknown tags only
  float confidence = kNoConfidence;  // best probability any tagger gave
  uint32_t sources = 0;              // bit i: TagList::sources[i] said it
};

// What happened to a tag and why (`--explain`, the manifest).
struct TagChange {
  enum class Kind { kRenamed, kDropped, kUnknown, kAdded };
  Kind kind;
  std::string tag;   // the tag as it was
  std::string into;  // renamed: the new name
  std::string rule;  // which rule ("alias", "contradiction: solo vs group count", ...)
};
const char* change_kind_name(TagChange::Kind k);
std::string format_change(const TagChange& c);

struct TagList {
  std::vector<TagEntry> tags;       // in order of first appearance
  std::vector<std::string> sources;  // "sidecar", "wd-v3", ...

  void clear() { tags.clear(); sources.clear(); }
  std::string_view name(size_t i, const TagDb& db) const {
    const TagEntry& t = tags[i];
    if (t.id == kUnknownTag) return t.text;
    return t.name.empty() ? db.name(t.id) : t.name;
  }
};

// Reusable buffers for parse_tag_list: a million lists, no allocation.
struct ParseScratch {
  std::vector<std::string_view> entries;
  std::string text;
  uint64_t seen[4] = {};  // a 256-bit filter of the ids listed so far
  // Long lists (thousands of tags, a 10 MB line): exact sets instead of a
  // walk over the list, which would be quadratic.
  bool exact = false;
  std::vector<uint64_t> id_bits;
  std::unordered_set<std::string> unknown_seen;
};

// Parses one comma-separated list (newlines separate too) into `out`,
// which is cleared; every tag gets source 0 named `source`. Normalises
// (see normalize_entry), maps aliases, drops duplicates, keeps unknown tags.
// `changes`, when given, receives renames, unknowns and dropped entries.
void parse_tag_list(std::string_view list, const TagDb& db, TagList& out, ParseScratch& scratch,
                    std::string_view source = "sidecar", std::vector<TagChange>* changes = nullptr);
TagList parse_tag_list(std::string_view list, const TagDb& db, std::string_view source = "sidecar");

// ---- merging ----------------------------------------------------------------

// One tagger's verdict: names as the model's label file spells them.
struct TaggerTags {
  std::string source;  // the tagger's name
  std::vector<std::pair<std::string, float>> tags;
};

struct MergePolicy {
  enum class General { kUnion, kIntersection };
  General general = General::kUnion;  // intersection: every source must agree
  // Characters, artists and series from the sidecar are kept; a tagger's are
  // added only where the sidecar has none of that category, unless this is set.
  bool tagger_identity_when_existing = false;
  float general_threshold = 0.35f;    // kohya's defaults
  float character_threshold = 0.85f;  // also artists and series
};

// existing (source 0 "sidecar") + taggers -> one list; confidences are the
// best any tagger gave, sources remember who said what.
TagList merge_tags(const TagList& existing, std::span<const TaggerTags> taggers, const TagDb& db,
                   const MergePolicy& policy, std::vector<TagChange>* changes = nullptr);

// ---- pruning ------------------------------------------------------------------

// The compiled rules of data/tag_rules.toml (documented there).
class TagRules {
 public:
  TagRules();
  ~TagRules();
  TagRules(TagRules&&) noexcept;
  TagRules& operator=(TagRules&&) noexcept;

  static Result<TagRules> load(const std::filesystem::path& toml_file, const TagDb& db);
  static Result<TagRules> parse(std::string_view toml_text, const TagDb& db, std::string_view origin = "rules");

  size_t implications() const;  // derived + explicit
  size_t conflicts() const;     // exclusive groups and at-most rules
  // Names the database does not know, and other entries that were skipped.
  const std::vector<std::string>& warnings() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

struct PruneOptions {
  bool contradictions = true;
  bool redundancy = true;
  bool keep_implied_counts = false;  // keep `multiple_girls` beside `2girls`
  std::vector<std::string> source_priority = {"sidecar"};  // first is trusted most; others after
  // User rules (kohya's flags): dropped tags, `a,b;c,d` replacements,
  // blacklist globs (`*` matches any run of characters).
  std::vector<std::string> undesired;
  std::string replacements;
  std::vector<std::string> blacklist;
};

// kohya's `a,b;c,d` (a becomes b, c becomes d; `\;` is a literal
// semicolon; an empty b drops a), in canonical form. Errors name the pair.
Result<std::vector<std::pair<std::string, std::string>>> parse_replacements(std::string_view spec);

// Applies, in order: replacements, undesired and blacklist, contradictions,
// redundancy. Every dropped or renamed tag is in `changes` with its rule.
// Fails only on a malformed `replacements` spec (check it once up front).
Status prune_tags(TagList& list, const TagDb& db, const TagRules& rules, const PruneOptions& options,
                  std::vector<TagChange>* changes = nullptr);

// ---- formatting ---------------------------------------------------------------

struct FormatOptions {
  std::string separator = ", ";
  bool remove_underscores = false;  // kaomoji keep theirs
  bool escape_parentheses = false;  // `\(` for prompt-syntax consumers
  bool character_first = false;
  std::vector<std::string> always_first;  // trigger words, in this order
  enum class Rating { kDrop, kFirst, kLast, kKeep };
  Rating rating = Rating::kKeep;
  enum class Order { kInput, kConfidence, kCategory };
  Order order = Order::kInput;
};

// The list as text. `append_to`, when not empty, is an existing tag line:
// its tags come first and the list's tags follow, without duplicates.
void format_tags(const TagList& list, const TagDb& db, const FormatOptions& options, std::string& out,
                 std::string_view append_to = {});
std::string format_tags(const TagList& list, const TagDb& db, const FormatOptions& options);

}  // namespace tagforge
