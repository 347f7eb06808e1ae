// TagRules: data/tag_rules.toml -> lookup tables keyed by TagId.
#include <toml++/toml.h>

#include <sstream>
#include <unordered_set>

#include "core/fs_ops.h"
#include "tags/rules_impl.h"

namespace tagforge {
namespace {

using Impl = TagRules::Impl;

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

// Tag names of a string array; unknown ones become warnings.
std::vector<TagId> tag_ids(const toml::node* node, const TagDb& db, std::string_view where, Impl& impl) {
  std::vector<TagId> out;
  const toml::array* arr = node ? node->as_array() : nullptr;
  if (!arr) return out;
  for (const auto& el : *arr) {
    auto name = el.value<std::string_view>();
    if (!name) {
      impl.warnings.push_back(std::string(where) + ": not a string");
      continue;
    }
    const TagId id = db.find(*name);
    if (id == kUnknownTag) impl.warnings.push_back(std::string(where) + ": unknown tag " + std::string(*name));
    else out.push_back(id);
  }
  return out;
}

void add_implication(Impl& impl, TagId from, TagId to, uint32_t rule) {
  if (from == to) return;
  auto& list = impl.implies[from];
  for (const auto& i : list) {
    if (i.implied == to) return;
  }
  list.push_back({to, rule});
}

void derive_from_words(const toml::table& derive, const TagDb& db, Impl& impl) {
  std::unordered_set<std::string_view> modifiers;
  std::vector<std::string> storage;
  if (const toml::array* arr = derive["modifiers"].as_array()) {
    for (const auto& el : *arr) {
      if (auto m = el.value<std::string>()) storage.push_back(*m);
    }
  }
  for (const auto& m : storage) modifiers.insert(m);
  const uint32_t rule = static_cast<uint32_t>(impl.implication_rules.size());
  impl.implication_rules.push_back({derive["why"].value_or<std::string>("a more specific tag says it already"), false});
  for (TagId id = 0; id < db.size(); ++id) {
    if (db.category(id) != TagCategory::kGeneral) continue;
    const std::string_view name = db.name(id);
    // Each split point whose words before it are all modifiers.
    size_t pos = 0;
    for (;;) {
      const size_t us = name.find('_', pos);
      if (us == std::string_view::npos) break;
      if (!modifiers.count(name.substr(pos, us - pos))) break;
      const TagId rest = db.find(name.substr(us + 1));
      if (rest != kUnknownTag && db.category(rest) == TagCategory::kGeneral) add_implication(impl, id, rest, rule);
      pos = us + 1;
    }
  }
}

// A implies B implies C: A implies C too, with B's rule.
void close_transitively(Impl& impl) {
  for (int round = 0; round < 8; ++round) {
    bool grew = false;
    for (auto& [from, list] : impl.implies) {
      for (size_t i = 0; i < list.size(); ++i) {
        auto it = impl.implies.find(list[i].implied);
        if (it == impl.implies.end() || it->first == from) continue;
        for (const Implication& next : it->second) {
          bool have = next.implied == from;
          for (const auto& x : list) have = have || x.implied == next.implied;
          if (!have) {
            list.push_back(next);
            grew = true;
          }
        }
      }
    }
    if (!grew) break;
  }
}

Status compile(const toml::table& root, const TagDb& db, Impl& impl, std::string_view origin) {
  if (const toml::table* derive = root["derive"].as_table()) derive_from_words(*derive, db, impl);

  if (const toml::array* rules = root["implies"].as_array()) {
    for (size_t r = 0; r < rules->size(); ++r) {
      const toml::table* t = rules->get(r)->as_table();
      if (!t) continue;
      const std::string where = std::string(origin) + ": implies #" + std::to_string(r + 1);
      const uint32_t rule = static_cast<uint32_t>(impl.implication_rules.size());
      impl.implication_rules.push_back({(*t)["why"].value_or<std::string>("implied"), (*t)["counts"].value_or(false)});
      const auto from = tag_ids(t->get("tags"), db, where, impl);
      const auto to = tag_ids(t->get("implies"), db, where, impl);
      for (TagId f : from) {
        for (TagId i : to) add_implication(impl, f, i, rule);
      }
    }
  }
  close_transitively(impl);

  if (const toml::table* counts = root["counts"].as_table()) {
    std::vector<std::string> kinds;
    for (const auto& [key, value] : *counts) {
      const std::string_view name = key.str();
      const TagId id = db.find(name);
      auto n = value.value<int64_t>();
      if (id == kUnknownTag || !n || *n < 0) {
        impl.warnings.push_back(std::string(origin) + ": counts: bad entry " + std::string(name));
        continue;
      }
      // The kind is what follows the number: 1girl / 2girls / multiple_girls -> girl.
      std::string kind(name.substr(name.find_first_not_of("0123456789+")));
      if (kind.rfind("multiple_", 0) == 0) kind = kind.substr(9);
      if (!kind.empty() && kind.back() == 's') kind.pop_back();
      uint32_t k = 0;
      while (k < kinds.size() && kinds[k] != kind) ++k;
      if (k == kinds.size()) kinds.push_back(kind);
      impl.counts[id] = {k, static_cast<uint32_t>(*n)};
    }
  }

  if (const toml::array* rules = root["at_most"].as_array()) {
    for (const auto& node : *rules) {
      const toml::table* t = node.as_table();
      if (!t) continue;
      const TagId id = db.find((*t)["tag"].value_or<std::string>(""));
      if (id == kUnknownTag) {
        impl.warnings.push_back(std::string(origin) + ": at_most: unknown tag");
        continue;
      }
      impl.at_most.push_back({id, static_cast<uint32_t>((*t)["subjects"].value_or<int64_t>(1)),
                              (*t)["why"].value_or<std::string>("too many subjects")});
    }
  }

  if (const toml::array* rules = root["exclusive"].as_array()) {
    for (size_t r = 0; r < rules->size(); ++r) {
      const toml::table* t = rules->get(r)->as_table();
      if (!t) continue;
      ExclusiveGroup g;
      g.name = (*t)["name"].value_or<std::string>("exclusive #" + std::to_string(r + 1));
      g.why = (*t)["why"].value_or<std::string>("");
      const std::string scope = (*t)["scope"].value_or<std::string>("always");
      if (scope != "always" && scope != "single_subject") {
        return Error{ErrorCode::kInvalidInput, "exclusive '" + g.name + "': scope must be always or single_subject", std::string(origin)};
      }
      g.single_subject = scope == "single_subject";
      const std::string where = std::string(origin) + ": exclusive '" + g.name + "'";
      g.unless = tag_ids(t->get("unless"), db, where, impl);
      if (const toml::array* members = (*t)["members"].as_array()) {
        for (const auto& m : *members) {
          auto text = m.value<std::string_view>();
          if (!text) continue;
          std::vector<TagId> member;
          for (std::string_view name : split(*text, '|')) {
            const TagId id = db.find(name);
            if (id == kUnknownTag) impl.warnings.push_back(where + ": unknown tag " + std::string(name));
            else member.push_back(id);
          }
          if (!member.empty()) g.members.push_back(std::move(member));
        }
      }
      if (g.members.size() < 2) {
        impl.warnings.push_back(where + ": fewer than two members; ignored");
        continue;
      }
      const uint32_t gi = static_cast<uint32_t>(impl.groups.size());
      for (uint32_t m = 0; m < g.members.size(); ++m) {
        for (TagId id : g.members[m]) {
          auto& list = impl.groups_of[id];
          if (list.empty() || list.back().group != gi) list.push_back({gi, m});
        }
      }
      impl.groups.push_back(std::move(g));
    }
  }
  impl.flags.assign(db.size(), 0);
  for (const auto& [id, list] : impl.implies) impl.flags[id] |= kImplies;
  for (const auto& [id, list] : impl.groups_of) impl.flags[id] |= kInGroup;
  for (const auto& [id, count] : impl.counts) impl.flags[id] |= kCounts;
  impl.solo = db.find("solo");
  return ok_status();
}

}  // namespace

TagRules::TagRules() : impl_(std::make_unique<Impl>()) {}
TagRules::~TagRules() = default;
TagRules::TagRules(TagRules&&) noexcept = default;
TagRules& TagRules::operator=(TagRules&&) noexcept = default;

size_t TagRules::implications() const {
  size_t n = 0;
  for (const auto& [from, list] : impl_->implies) n += list.size();
  return n;
}
size_t TagRules::conflicts() const { return impl_->groups.size() + impl_->at_most.size(); }
const std::vector<std::string>& TagRules::warnings() const { return impl_->warnings; }

Result<TagRules> TagRules::parse(std::string_view text, const TagDb& db, std::string_view origin) {
  TagRules rules;
  try {
    toml::table root = toml::parse(text, origin);
    TF_RETURN_IF_ERROR(compile(root, db, *rules.impl_, origin));
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << "bad rules file: " << e.description() << " (line " << e.source().begin.line << ")";
    return Error{ErrorCode::kInvalidInput, msg.str(), std::string(origin)};
  }
  return rules;
}

Result<TagRules> TagRules::load(const std::filesystem::path& file, const TagDb& db) {
  auto text = read_whole_file(file, "rules file");
  if (!text) return text.error();
  return parse(*text, db, file.string());
}

}  // namespace tagforge
