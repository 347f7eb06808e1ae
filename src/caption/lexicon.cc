#include <array>
#include <algorithm>

#include "caption/derive.h"
#include "caption/english.h"
#include "caption/match.h"
#include "core/fs_ops.h"
#include "tagforge/lexicon.h"

namespace tagforge {
namespace {

constexpr std::array<std::string_view, kRoleCount> kRoleNames = {
    "none",   "subject", "hair_length", "hair_style", "hair_color", "eye_color",  "eyes",    "skin",
    "body",   "expression", "face",     "clothing",   "accessory",  "held",       "action",  "pose",
    "gaze",   "framing", "background",  "setting",    "lighting",   "medium",     "object",  "omit"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// "words | syn, syn" -> english and synonyms; a trailing + or ~ sets the number.
void parse_english(std::string_view rest, Word& w) {
  std::string_view english = rest, syns;
  if (size_t bar = rest.find(" | "); bar != std::string_view::npos) {
    english = trim(rest.substr(0, bar));
    syns = trim(rest.substr(bar + 3));
  } else if (rest.substr(0, 2) == "| ") {
    english = {};
    syns = trim(rest.substr(2));
  }
  english = trim(english);
  if (!english.empty() && english.back() == '+') {
    w.number = Number::kPlural;
    english.remove_suffix(1);
  } else if (!english.empty() && english.back() == '~') {
    w.number = Number::kMass;
    english.remove_suffix(1);
  }
  if (!english.empty()) w.english = std::string(trim(english));
  while (!syns.empty()) {
    size_t comma = syns.find(", ");
    std::string_view one = trim(syns.substr(0, comma));
    if (!one.empty()) w.synonyms.emplace_back(one);
    if (comma == std::string_view::npos) break;
    syns.remove_prefix(comma + 2);
  }
}

}  // namespace

std::string_view role_name(Role r) { return kRoleNames[static_cast<size_t>(r)]; }

void Lexicon::prepare_for_matching(Word& w) const {
  w.forms.clear();
  w.english_words.clear();
  w.english_hashes.clear();
  std::string storage;
  std::vector<MatchWord> words;
  match_words(without_article(w.english), storage, words);
  for (const auto& m : words) {
    w.english_words.emplace_back(m.text);
    w.english_hashes.push_back(m.hash);
  }
  w.leading_modifiers = 0;
  while (w.leading_modifiers + 1u < words.size() && w.leading_modifiers < 255 && is_modifier_hash(words[w.leading_modifiers].hash)) {
    ++w.leading_modifiers;
  }
  w.forms.push_back(match_hashes(without_article(w.english)));
  for (const auto& syn : w.synonyms) w.forms.push_back(match_hashes(syn));
  std::erase_if(w.forms, [](const std::vector<uint64_t>& f) { return f.empty(); });
}

Result<Lexicon> Lexicon::parse(std::string_view text, std::string_view origin, const TagDb* db) {
  Lexicon lx;
  enum class Section { kNone, kRole, kColors, kPatterns } section = Section::kNone;
  Role role = Role::kNone;
  size_t line_no = 0;
  auto error = [&](const std::string& why) {
    return Error{ErrorCode::kInvalidInput, std::string(origin) + " line " + std::to_string(line_no) + ": " + why, {}};
  };
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[' && line.back() == ']' && line.size() > 2) {
      const std::string_view name = line.substr(1, line.size() - 2);
      if (name == "colors") {
        section = Section::kColors;
      } else if (name == "patterns") {
        section = Section::kPatterns;
      } else {
        auto it = std::find(kRoleNames.begin() + 1, kRoleNames.end(), name);
        if (it == kRoleNames.end()) return error("unknown section [" + std::string(name) + "]");
        section = Section::kRole;
        role = static_cast<Role>(it - kRoleNames.begin());
      }
      continue;
    }
    if (section == Section::kNone) return error("an entry before any [section]");
    const size_t space = line.find_first_of(" \t");
    std::string_view tag = line.substr(0, space);
    // "@footwear": a base for derived tags, no tag itself ("@_@" is a face).
    const bool base_only = tag.size() > 1 && tag[0] == '@' && tag[1] >= 'a' && tag[1] <= 'z';
    if (base_only) tag.remove_prefix(1);
    const std::string_view rest = space == std::string_view::npos ? std::string_view() : trim(line.substr(space));
    if (!rest.empty() && rest.substr(0, 2) != "= " && rest.substr(0, 2) != "| ") {
      return error("expected `tag`, `tag = english` or `tag = english | synonyms`, got: " + std::string(line));
    }
    Word w;
    w.role = role;
    w.english = spaced(tag);
    parse_english(rest.substr(0, 2) == "= " ? rest.substr(2) : rest, w);
    if (w.english.empty()) return error("empty English for " + std::string(tag));
    auto& table = section == Section::kColors ? lx.colors_ : section == Section::kPatterns ? lx.patterns_ : lx.words_;
    if (!table.emplace(std::string(tag), std::move(w)).second) {
      lx.warnings_.push_back({line_no, "`" + std::string(tag) + "` is listed twice; the first entry counts"});
      continue;
    }
    if (section == Section::kRole) {
      ++lx.listed_;
      if (db && !base_only && db->find(tag) == kUnknownTag) {
        lx.warnings_.push_back({line_no, "`" + std::string(tag) + "` is not a tag in the database"});
      }
    }
  }
  // Single-word colours and modifiers, for the scorer.
  std::vector<std::string> colors, modifiers;
  for (const auto& [name, w] : lx.colors_) {
    if (w.english.find(' ') == std::string::npos) colors.push_back(w.english);
    for (const auto& syn : w.synonyms) {
      if (syn.find(' ') == std::string::npos) colors.push_back(syn);
    }
  }
  modifiers = colors;
  for (const auto& [name, w] : lx.patterns_) {
    if (w.english.find(' ') == std::string::npos) modifiers.push_back(w.english);
  }
  for (std::string_view m : {"long", "short", "very", "light", "dark", "pale", "bright", "deep", "medium", "length",
                             "wavy", "curly", "straight", "messy", "small", "large", "big", "little", "cute",
                             "beautiful", "pretty", "colored", "coloured", "tone", "two", "shiny", "soft", "thin"}) {
    modifiers.emplace_back(m);
  }
  // Hair words stack too: "long spiky pink hair" has "long hair".
  for (const auto& [name, w] : lx.words_) {
    if ((w.role != Role::kHairStyle && w.role != Role::kHairLength) || w.english.size() < 6 ||
        w.english.compare(w.english.size() - 5, 5, " hair") != 0) {
      continue;
    }
    std::string_view rest(w.english.data(), w.english.size() - 5);
    while (!rest.empty()) {
      const size_t sp = rest.find_first_of(" -");
      modifiers.emplace_back(rest.substr(0, sp));
      rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
    }
  }
  for (const auto& w : colors) lx.color_hashes_.push_back(match_hash(w));
  for (const auto& w : modifiers) lx.modifier_hashes_.push_back(match_hash(w));
  std::sort(lx.color_hashes_.begin(), lx.color_hashes_.end());
  std::sort(lx.modifier_hashes_.begin(), lx.modifier_hashes_.end());
  // Derive once every general tag of the database the file does not list,
  // so that lookups of known tags are one hash probe.
  if (db) {
    const LexiconDeriver deriver(lx);
    std::vector<std::pair<std::string, Word>> derived;
    Word w;
    for (TagId id = 0; id < db->size(); ++id) {
      if (db->category(id) != TagCategory::kGeneral) continue;
      const std::string_view name = db->name(id);
      if (lx.words_.count(std::string(name))) continue;
      if (deriver.derive(name, w)) derived.emplace_back(std::string(name), std::move(w));
    }
    for (auto& [name, word] : derived) lx.words_.emplace(std::move(name), std::move(word));
    lx.by_id_.assign(db->size(), nullptr);
    for (TagId id = 0; id < db->size(); ++id) {
      if (auto it = lx.words_.find(std::string(db->name(id))); it != lx.words_.end()) lx.by_id_[id] = &it->second;
    }
  }
  for (auto& [name, word] : lx.words_) lx.prepare_for_matching(word);  // in place: nodes never move
  return lx;
}

Result<Lexicon> Lexicon::load(const std::filesystem::path& file, const TagDb* db) {
  auto text = read_whole_file(file, "lexicon");
  if (!text) return text.error();
  auto lx = parse(*text, file.string(), db);
  if (!lx) return Error{lx.error().code, lx.error().message, file};
  return lx;
}

const Word* Lexicon::find(std::string_view tag, Word& scratch) const {
  if (auto it = words_.find(std::string(tag)); it != words_.end()) return &it->second;
  return LexiconDeriver(*this).derive(tag, scratch) ? &scratch : nullptr;
}

bool Lexicon::is_color_hash(uint64_t h) const { return std::binary_search(color_hashes_.begin(), color_hashes_.end(), h); }

bool Lexicon::is_modifier_hash(uint64_t h) const {
  return std::binary_search(modifier_hashes_.begin(), modifier_hashes_.end(), h);
}

const Word* Lexicon::color(std::string_view name) const {
  auto it = colors_.find(std::string(name));
  return it == colors_.end() ? nullptr : &it->second;
}

LexiconCoverage lexicon_coverage(const Lexicon& lexicon, const TagDb& db, size_t top) {
  std::vector<TagId> general;
  for (TagId id = 0; id < db.size(); ++id) {
    if (db.category(id) == TagCategory::kGeneral) general.push_back(id);
  }
  const size_t n = std::min(top, general.size());
  std::partial_sort(general.begin(), general.begin() + static_cast<std::ptrdiff_t>(n), general.end(),
                    [&](TagId a, TagId b) { return db.post_count(a) > db.post_count(b); });
  LexiconCoverage c;
  Word scratch;
  for (size_t i = 0; i < n; ++i) {
    const TagId id = general[i];
    const uint64_t posts = db.post_count(id);
    ++c.tags;
    c.posts += posts;
    if (lexicon.find(db.name(id), scratch)) {
      ++c.covered_tags;
      c.covered_posts += posts;
    } else {
      c.missing.emplace_back(std::string(db.name(id)), posts);
    }
  }
  return c;
}

}  // namespace tagforge
