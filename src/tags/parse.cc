// parse_tag_list: split, normalise, map aliases, drop duplicates.
#include <algorithm>
#include <iterator>

#include "tagforge/tags.h"
#include "tags/normalize.h"

namespace tagforge {
namespace {

constexpr int kMaxGroupDepth = 4;

constexpr size_t kWalkLimit = 128;  // longer lists switch to exact sets

// Whether the list already has this tag; records it when not. Duplicates
// are rare: a 256-bit filter of the ids seen answers "not listed" for most
// tags without walking the list, and long lists use exact sets.
bool already_listed(const TagList& list, TagId id, std::string_view text, const TagDb& db, ParseScratch& s) {
  if (!s.exact && list.tags.size() >= kWalkLimit) {
    s.exact = true;
    s.id_bits.assign(db.size() / 64 + 1, 0);
    s.unknown_seen.clear();
    for (const TagEntry& t : list.tags) {
      if (t.id == kUnknownTag) s.unknown_seen.insert(t.text);
      else s.id_bits[t.id / 64] |= uint64_t{1} << (t.id % 64);
    }
  }
  if (s.exact) {
    if (id == kUnknownTag) return !s.unknown_seen.insert(std::string(text)).second;
    uint64_t& word = s.id_bits[id / 64];
    const uint64_t bit = uint64_t{1} << (id % 64);
    const bool had = word & bit;
    word |= bit;
    return had;
  }
  if (id != kUnknownTag) {
    const uint32_t bit = (id * 2654435761u) >> 24;  // 0..255
    uint64_t& word = s.seen[bit >> 6];
    const uint64_t mask = uint64_t{1} << (bit & 63);
    if (!(word & mask)) {
      word |= mask;
      return false;
    }
  }
  for (const TagEntry& t : list.tags) {
    if (t.id != id) continue;
    if (id != kUnknownTag || t.text == text) return true;
  }
  return false;
}

void parse_entries(std::string_view list_text, const TagDb& db, TagList& out, ParseScratch& scratch,
                   std::vector<TagChange>* changes, int depth, bool flat) {
  std::vector<std::string_view> local;  // groups only; the top level reuses scratch
  std::vector<std::string_view>& entries = depth == 0 ? scratch.entries : local;
  if (flat) split_on_every_comma(list_text, entries);
  else split_tag_list(list_text, entries);
  std::string group;  // a group's raw inside outlives scratch.text reuse
  for (std::string_view raw : entries) {
    float weight = 1;
    const EntryStatus st = normalize_entry(raw, &db, scratch.text, &weight);
    if (st == EntryStatus::kEmpty) continue;
    if (st == EntryStatus::kTooLong) {
      if (changes) {
        changes->push_back({TagChange::Kind::kDropped, std::string(raw.substr(0, 40)) + "...", {},
                            "entry too long to be a tag (" + std::to_string(raw.size()) + " bytes)"});
      }
      continue;
    }
    if (st == EntryStatus::kGroup || st == EntryStatus::kSplit) {
      if (depth + 1 < kMaxGroupDepth) {
        group = scratch.text;
        parse_entries(group, db, out, scratch, changes, depth + 1, st == EntryStatus::kSplit);
      }
      continue;
    }
    bool was_alias = false;
    std::string_view canonical;
    const TagId id = db.resolve(scratch.text, &was_alias, &canonical);
    if (already_listed(out, id, scratch.text, db, scratch)) {
      if (changes) {
        const bool same = id == kUnknownTag || db.name(id) == scratch.text;
        changes->push_back({TagChange::Kind::kDropped, scratch.text, {},
                            same ? "duplicate" : "duplicate of " + std::string(db.name(id))});
      }
      continue;
    }
    TagEntry& e = out.tags.emplace_back();
    e.id = id;
    e.name = canonical;
    e.sources = 1;
    if (id == kUnknownTag) {
      e.text = scratch.text;
      if (changes) changes->push_back({TagChange::Kind::kUnknown, scratch.text, {}, "not in the tag database; kept"});
    } else if (was_alias && changes) {
      changes->push_back({TagChange::Kind::kRenamed, scratch.text, std::string(db.name(id)), "alias"});
    }
  }
}

}  // namespace

void parse_tag_list(std::string_view list, const TagDb& db, TagList& out, ParseScratch& scratch,
                    std::string_view source, std::vector<TagChange>* changes) {
  out.tags.clear();
  out.sources.assign(1, std::string(source));
  std::fill(std::begin(scratch.seen), std::end(scratch.seen), 0);
  scratch.exact = false;
  parse_entries(list, db, out, scratch, changes, 0, false);
}

TagList parse_tag_list(std::string_view list, const TagDb& db, std::string_view source) {
  TagList out;
  ParseScratch scratch;
  parse_tag_list(list, db, out, scratch, source);
  return out;
}

const char* change_kind_name(TagChange::Kind k) {
  switch (k) {
    case TagChange::Kind::kRenamed: return "renamed";
    case TagChange::Kind::kDropped: return "dropped";
    case TagChange::Kind::kUnknown: return "unknown";
    case TagChange::Kind::kAdded: return "added";
  }
  return "?";
}

std::string format_change(const TagChange& c) {
  std::string s = change_kind_name(c.kind);
  s += ' ';
  s += c.tag;
  if (!c.into.empty()) {
    s += " -> ";
    s += c.into;
  }
  s += " (";
  s += c.rule;
  s += ')';
  return s;
}

}  // namespace tagforge
