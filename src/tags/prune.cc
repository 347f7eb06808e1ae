// prune_tags: user rules, then contradictions, then redundancy.
#include <algorithm>
#include <optional>
#include <unordered_set>

#include "tags/normalize.h"
#include "tags/rules_impl.h"

namespace tagforge {
namespace {

// Which of two tags yields in a contradiction: the less probable, else the
// one from a less trusted source, else the rarer tag, else the later one.
class Strength {
 public:
  Strength(const TagList& list, const TagDb& db, const PruneOptions& opt) : list_(list), db_(db), rank_(buffer()) {
    rank_.resize(list.sources.size());
    for (size_t s = 0; s < list.sources.size(); ++s) {
      auto it = std::find(opt.source_priority.begin(), opt.source_priority.end(), list.sources[s]);
      rank_[s] = it != opt.source_priority.end() ? static_cast<size_t>(it - opt.source_priority.begin())
                                                 : opt.source_priority.size() + s;
    }
  }

  bool weaker(size_t a, size_t b) const {
    const TagEntry& x = list_.tags[a];
    const TagEntry& y = list_.tags[b];
    if (x.confidence >= 0 && y.confidence >= 0 && x.confidence != y.confidence) return x.confidence < y.confidence;
    const size_t rx = rank(x), ry = rank(y);
    if (rx != ry) return rx > ry;
    const uint64_t px = db_.post_count(x.id), py = db_.post_count(y.id);
    if (px != py) return px < py;
    return a > b;
  }

 private:
  size_t rank(const TagEntry& e) const {
    size_t best = SIZE_MAX;
    for (size_t s = 0; s < rank_.size() && s < 32; ++s) {
      if (e.sources & (1u << s)) best = std::min(best, rank_[s]);
    }
    return best;
  }

  static std::vector<size_t>& buffer() {
    thread_local std::vector<size_t> b;  // reused: no allocation per list
    return b;
  }

  const TagList& list_;
  const TagDb& db_;
  std::vector<size_t>& rank_;
};

// The list's tags by id for lookups; `alive` marks what pruning kept.
class Present {
 public:
  explicit Present(const TagList& list) : by_id_(ids_buffer()), alive_(alive_buffer()) {
    alive_.assign(list.tags.size(), 1);
    reindex(list);
  }
  // After tags changed their ids (replacements); what was dropped stays dropped.
  void reindex(const TagList& list) {
    by_id_.clear();
    for (size_t i = 0; i < list.tags.size(); ++i) {
      if (list.tags[i].id != kUnknownTag) by_id_.push_back({list.tags[i].id, i});
    }
    // Short lists (nearly all) are searched linearly; long ones are sorted.
    sorted_ = by_id_.size() > kLinear;
    if (sorted_) std::sort(by_id_.begin(), by_id_.end());
  }
  // Index of tag `id` in the list when present and alive, else SIZE_MAX.
  size_t find(TagId id) const {
    if (!sorted_) {
      for (const auto& [tag, index] : by_id_) {
        if (tag == id) return alive_[index] ? index : SIZE_MAX;
      }
      return SIZE_MAX;
    }
    auto it = std::lower_bound(by_id_.begin(), by_id_.end(), std::pair<TagId, size_t>{id, 0});
    if (it == by_id_.end() || it->first != id || !alive_[it->second]) return SIZE_MAX;
    return it->second;
  }
  bool alive(size_t i) const { return alive_[i]; }
  void kill(size_t i) { alive_[i] = 0; }

 private:
  // Reused between calls on one thread: no allocation per list.
  static std::vector<std::pair<TagId, size_t>>& ids_buffer() {
    thread_local std::vector<std::pair<TagId, size_t>> b;
    return b;
  }
  static std::vector<char>& alive_buffer() {
    thread_local std::vector<char> b;
    return b;
  }

  static constexpr size_t kLinear = 64;

  std::vector<std::pair<TagId, size_t>>& by_id_;
  std::vector<char>& alive_;
  bool sorted_ = false;
};

bool glob_match(std::string_view pattern, std::string_view s) {
  size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < s.size()) {
    if (p < pattern.size() && (pattern[p] == s[i] || pattern[p] == '?')) {
      ++p;
      ++i;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = i;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

struct Context {
  TagList& list;
  const TagDb& db;
  const TagRules::Impl& rules;
  const PruneOptions& opt;
  std::vector<TagChange>* changes;
  Present present;
  Strength strength;

  std::string name(size_t i) const { return std::string(list.name(i, db)); }
  void drop(size_t i, std::string rule) {
    present.kill(i);
    if (changes) changes->push_back({TagChange::Kind::kDropped, name(i), {}, std::move(rule)});
  }
};

}  // namespace

// kohya's --tag_replacement: "a,b;c,d" replaces a by b and c by d; "\;" is a
// literal semicolon. An empty b drops a.
Result<std::vector<std::pair<std::string, std::string>>> parse_replacements(std::string_view spec) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string from, to, *cur = &from;
  std::string_view pair_start = spec;
  auto flush = [&]() -> Status {
    if (!from.empty() || !to.empty()) {
      // Each side read as one list entry would be, so that a replacement
      // writes nothing a tag file could not hold.
      std::string f, t;
      float weight;
      const EntryStatus fs = normalize_entry(from, nullptr, f, &weight);
      const EntryStatus ts = to.empty() ? EntryStatus::kEmpty : normalize_entry(to, nullptr, t, &weight);
      if (fs != EntryStatus::kOk) {
        return Error{ErrorCode::kInvalidInput, "replacement without a tag to replace: " + std::string(pair_start), {}};
      }
      if (ts != EntryStatus::kOk && ts != EntryStatus::kEmpty) {
        return Error{ErrorCode::kInvalidInput, "replacement target is not one tag: " + to, {}};
      }
      out.emplace_back(std::move(f), std::move(t));
    }
    from.clear();
    to.clear();
    cur = &from;
    return ok_status();
  };
  for (size_t i = 0; i < spec.size(); ++i) {
    const char c = spec[i];
    if (c == '\\' && i + 1 < spec.size() && spec[i + 1] == ';') {
      *cur += spec[++i];
    } else if (c == ',') {
      if (cur == &to) {
        return Error{ErrorCode::kInvalidInput,
                     "replacement has two commas (write 'a,b;c,d'; a tag cannot contain a comma): " +
                         std::string(spec.substr(0, std::min<size_t>(spec.size(), 80))),
                     {}};
      }
      cur = &to;
    } else if (c == ';') {
      TF_RETURN_IF_ERROR(flush());
      pair_start = spec.substr(i + 1);
    } else {
      *cur += c;
    }
  }
  TF_RETURN_IF_ERROR(flush());
  return out;
}

namespace {

using Replacements = std::vector<std::pair<std::string, std::string>>;

// The user's rules come once per run but prune_tags runs once per list: they
// are parsed again only when they change (per thread, no locking).
Result<const Replacements*> parsed_replacements(const std::string& spec) {
  thread_local std::string cached_spec;
  thread_local std::optional<Result<Replacements>> cached;
  if (!cached || spec != cached_spec) {
    cached.emplace(parse_replacements(spec));
    cached_spec = spec;
  }
  if (!cached->ok()) return cached->error();
  return &cached->value();
}

const std::vector<std::string>& normalized_undesired(const std::vector<std::string>& given) {
  thread_local std::vector<std::string> cached_given, cached;
  if (given != cached_given) {
    cached.clear();
    for (const auto& u : given) normalize_tag_text(u, cached.emplace_back());
    cached_given = given;
  }
  return cached;
}

Status apply_user_rules(Context& c) {
  if (!c.opt.replacements.empty()) {
    auto parsed = parsed_replacements(c.opt.replacements);
    if (!parsed) return parsed.error();
    const Replacements& pairs = **parsed;
    for (const auto& [from, to] : pairs) {
      for (size_t i = 0; i < c.list.tags.size(); ++i) {
        if (!c.present.alive(i) || c.list.name(i, c.db) != from) continue;
        TagEntry& e = c.list.tags[i];
        const std::string old = c.name(i);
        if (to.empty()) {
          c.drop(i, "replacement with nothing");
          continue;
        }
        e.id = c.db.find(to);
        e.name = {};
        e.text = e.id == kUnknownTag ? to : std::string();
        if (c.changes) c.changes->push_back({TagChange::Kind::kRenamed, old, to, "replacement"});
      }
    }
    c.present.reindex(c.list);
    // A replacement may produce a tag that is already listed: the first of
    // each target stays. One pass, so a huge list stays linear.
    std::unordered_set<std::string_view> targets, seen;
    for (const auto& [from, to] : pairs) {
      if (to.empty()) continue;
      const TagId id = c.db.find(to);  // an alias target is listed under its tag's name
      targets.insert(id == kUnknownTag ? std::string_view(to) : c.db.name(id));
    }
    for (size_t i = 0; i < c.list.tags.size(); ++i) {
      if (!c.present.alive(i)) continue;
      const std::string_view n = c.list.name(i, c.db);
      if (targets.count(n) && !seen.insert(n).second) c.drop(i, "duplicate after replacement");
    }
  }
  if (c.opt.undesired.empty() && c.opt.blacklist.empty()) return ok_status();
  const std::vector<std::string>& undesired = normalized_undesired(c.opt.undesired);
  for (size_t i = 0; i < c.list.tags.size(); ++i) {
    if (!c.present.alive(i)) continue;
    const std::string_view n = c.list.name(i, c.db);
    if (std::find(undesired.begin(), undesired.end(), n) != undesired.end()) {
      c.drop(i, "undesired");
      continue;
    }
    for (const auto& pattern : c.opt.blacklist) {
      if (glob_match(pattern, n)) {
        c.drop(i, "blacklist " + pattern);
        break;
      }
    }
  }
  return ok_status();
}

// Characters in the picture by count tags: the sum over kinds of the
// largest count of each kind (1girl + 1boy = 2).
uint32_t subject_total(const Context& c) {
  uint32_t per_kind[8] = {};
  for (size_t i = 0; i < c.list.tags.size(); ++i) {
    if (!c.present.alive(i) || !(c.rules.flags_of(c.list.tags[i].id) & kCounts)) continue;
    auto it = c.rules.counts.find(c.list.tags[i].id);
    if (it == c.rules.counts.end() || it->second.kind >= 8) continue;
    per_kind[it->second.kind] = std::max(per_kind[it->second.kind], it->second.n);
  }
  uint32_t total = 0;
  for (uint32_t n : per_kind) total += n;
  return total;
}

void resolve_at_most(Context& c) {
  for (const AtMostRule& r : c.rules.at_most) {
    for (int guard = 0; guard < 64; ++guard) {
      const size_t self = c.present.find(r.tag);
      if (self == SIZE_MAX || subject_total(c) <= r.subjects) break;
      // The weakest of the rule's tag and the counts that add up.
      size_t weakest = self;
      for (size_t i = 0; i < c.list.tags.size(); ++i) {
        if (c.present.alive(i) && c.rules.counts.count(c.list.tags[i].id) && c.strength.weaker(i, weakest)) weakest = i;
      }
      c.drop(weakest, "contradiction: " + r.why);
    }
  }
}

void resolve_groups(Context& c) {
  // (group, member, tag index) for every listed tag a group names; sorted,
  // each group's run shows at once whether two of its members are present.
  struct Hit {
    uint32_t group, member;
    size_t tag;
    bool operator<(const Hit& o) const { return group != o.group ? group < o.group : member < o.member; }
  };
  thread_local std::vector<Hit> hits;
  hits.clear();
  for (size_t i = 0; i < c.list.tags.size(); ++i) {
    if (!c.present.alive(i) || !(c.rules.flags_of(c.list.tags[i].id) & kInGroup)) continue;
    auto it = c.rules.groups_of.find(c.list.tags[i].id);
    if (it == c.rules.groups_of.end()) continue;
    for (const auto& m : it->second) hits.push_back({m.group, m.member, i});
  }
  if (hits.size() < 2) return;
  std::sort(hits.begin(), hits.end());

  bool single = false;  // decided lazily: most lists touch no single-subject group
  bool single_known = false;
  std::vector<std::vector<size_t>> present_members;
  for (size_t run = 0; run < hits.size();) {
    size_t end = run;
    bool several = false;
    while (end < hits.size() && hits[end].group == hits[run].group) {
      several = several || hits[end].member != hits[run].member;
      ++end;
    }
    const uint32_t gi = hits[run].group;
    const size_t first = run;
    run = end;
    if (!several) continue;
    const ExclusiveGroup& g = c.rules.groups[gi];
    if (g.single_subject) {
      if (!single_known) {
        const TagId solo = c.rules.solo;
        single = (solo != kUnknownTag && c.present.find(solo) != SIZE_MAX) || subject_total(c) == 1;
        single_known = true;
      }
      if (!single) continue;
    }
    bool excused = false;
    for (TagId u : g.unless) excused = excused || c.present.find(u) != SIZE_MAX;
    if (excused) continue;
    // Members still present (an earlier group may have dropped some).
    present_members.clear();
    uint32_t last_member = UINT32_MAX;
    for (size_t k = first; k < end; ++k) {
      if (!c.present.alive(hits[k].tag)) continue;
      if (hits[k].member != last_member) present_members.emplace_back();
      last_member = hits[k].member;
      present_members.back().push_back(hits[k].tag);
    }
    // A member is as strong as its strongest tag; the weakest goes until one is left.
    auto strongest = [&](const std::vector<size_t>& m) {
      size_t s = m.front();
      for (size_t i : m) {
        if (c.strength.weaker(s, i)) s = i;
      }
      return s;
    };
    while (present_members.size() > 1) {
      size_t weakest = 0;
      for (size_t k = 1; k < present_members.size(); ++k) {
        if (c.strength.weaker(strongest(present_members[k]), strongest(present_members[weakest]))) weakest = k;
      }
      size_t winner = weakest == 0 ? 1 : 0;
      for (size_t k = 0; k < present_members.size(); ++k) {
        if (k != weakest && c.strength.weaker(strongest(present_members[winner]), strongest(present_members[k]))) winner = k;
      }
      const std::string kept = c.name(strongest(present_members[winner]));
      for (size_t i : present_members[weakest]) {
        c.drop(i, "contradiction '" + g.name + "' with " + kept + ": " + g.why);
      }
      present_members.erase(present_members.begin() + static_cast<std::ptrdiff_t>(weakest));
    }
  }
}

void resolve_redundancy(Context& c) {
  for (size_t i = 0; i < c.list.tags.size(); ++i) {
    if (!c.present.alive(i) || !(c.rules.flags_of(c.list.tags[i].id) & kImplies)) continue;
    auto it = c.rules.implies.find(c.list.tags[i].id);
    if (it == c.rules.implies.end()) continue;
    for (const Implication& imp : it->second) {
      const ImplicationRule& rule = c.rules.implication_rules[imp.rule];
      if (rule.counts && c.opt.keep_implied_counts) continue;
      const size_t j = c.present.find(imp.implied);
      if (j != SIZE_MAX) c.drop(j, "redundant: implied by " + c.name(i) + " (" + rule.name + ")");
    }
  }
}

}  // namespace

Status prune_tags(TagList& list, const TagDb& db, const TagRules& rules, const PruneOptions& opt,
                  std::vector<TagChange>* changes) {
  Context c{list, db, rules.impl(), opt, changes, Present(list), Strength(list, db, opt)};
  TF_RETURN_IF_ERROR(apply_user_rules(c));
  if (opt.contradictions) {
    resolve_groups(c);
    resolve_at_most(c);
  }
  if (opt.redundancy) resolve_redundancy(c);
  size_t out = 0;
  for (size_t i = 0; i < list.tags.size(); ++i) {
    if (!c.present.alive(i)) continue;
    if (out != i) list.tags[out] = std::move(list.tags[i]);  // never self-move: it empties a string
    ++out;
  }
  list.tags.resize(out);
  return ok_status();
}

}  // namespace tagforge
