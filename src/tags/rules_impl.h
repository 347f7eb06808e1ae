// The compiled form of data/tag_rules.toml, shared by prune.cc.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "tagforge/tags.h"

namespace tagforge {

struct Implication {
  TagId implied;
  uint32_t rule;  // index into TagRules::Impl::implication_rules
};

struct ImplicationRule {
  std::string name;  // "derived from words" or the explicit rule's reason
  bool counts = false;
};

struct ExclusiveGroup {
  std::string name, why;
  bool single_subject = false;
  std::vector<std::vector<TagId>> members;  // each member: tags that stand or fall together
  std::vector<TagId> unless;
};

struct SubjectCount {
  uint32_t kind;  // girls, boys, others: the index of the count's suffix
  uint32_t n;
};

struct AtMostRule {
  TagId tag;
  uint32_t subjects;
  std::string why;
};

// Per-tag bits so that the common tag, which no rule mentions, costs one
// array read instead of three hash lookups.
enum RuleFlag : uint8_t { kImplies = 1, kInGroup = 2, kCounts = 4 };

struct TagRules::Impl {
  std::vector<uint8_t> flags;  // by TagId; tags past the end have none
  TagId solo = kUnknownTag;
  uint8_t flags_of(TagId id) const { return id < flags.size() ? flags[id] : 0; }

  // Direct and transitive implications of a tag, by TagId.
  std::unordered_map<TagId, std::vector<Implication>> implies;
  std::vector<ImplicationRule> implication_rules;
  std::vector<ExclusiveGroup> groups;
  struct Membership {
    uint32_t group, member;
  };
  std::unordered_map<TagId, std::vector<Membership>> groups_of;  // tag -> where it is in groups
  std::unordered_map<TagId, SubjectCount> counts;
  std::vector<AtMostRule> at_most;
  std::vector<std::string> warnings;  // names the database does not know, and such
};

}  // namespace tagforge
