// merge_tags: the sidecar's tags and the taggers' verdicts in one list.
#include <algorithm>

#include "tagforge/tags.h"
#include "tags/normalize.h"

namespace tagforge {
namespace {

bool is_identity(TagCategory c) {
  return c == TagCategory::kCharacter || c == TagCategory::kArtist || c == TagCategory::kCopyright;
}

size_t find_tag(const TagList& list, TagId id, std::string_view text) {
  for (size_t i = 0; i < list.tags.size(); ++i) {
    if (list.tags[i].id == id && (id != kUnknownTag || list.tags[i].text == text)) return i;
  }
  return SIZE_MAX;
}

}  // namespace

TagList merge_tags(const TagList& existing, std::span<const TaggerTags> taggers, const TagDb& db,
                   const MergePolicy& policy, std::vector<TagChange>* changes) {
  TagList out = existing;
  if (out.sources.empty()) out.sources.push_back("sidecar");
  bool has_category[256] = {};
  bool existing_general = false;
  for (const TagEntry& e : existing.tags) {
    const TagCategory cat = db.category(e.id);
    has_category[static_cast<uint8_t>(cat)] = true;
    existing_general = existing_general || cat == TagCategory::kGeneral;
  }
  // Intersection: how many sources said each general tag.
  std::vector<uint32_t> votes(out.tags.size(), existing_general ? 1 : 0);
  uint32_t voters = existing_general ? 1 : 0;

  std::string name;
  for (const TaggerTags& tagger : taggers) {
    const uint32_t bit = out.sources.size() < 32 ? (1u << out.sources.size()) : 0;
    out.sources.push_back(tagger.source);
    ++voters;
    // A tagger gives every rating a probability: only its best one counts.
    TagId best_rating = kUnknownTag;
    float best_rating_p = -1;
    for (const auto& [raw, p] : tagger.tags) {
      normalize_tag_text(raw, name);
      const TagId id = db.find(name);
      const TagCategory cat = db.category(id);
      if (cat == TagCategory::kRating) {
        if (p > best_rating_p) best_rating = id, best_rating_p = p;
        continue;
      }
      if (is_identity(cat)) {
        if (p < policy.character_threshold) continue;
        if (has_category[static_cast<uint8_t>(cat)] && !policy.tagger_identity_when_existing &&
            find_tag(existing, id, name) == SIZE_MAX) {
          if (changes) {
            changes->push_back({TagChange::Kind::kDropped, name, {},
                                tagger.source + "'s " + category_name(cat) + " ignored: the sidecar names one"});
          }
          continue;
        }
      } else if (p < policy.general_threshold) {
        continue;
      }
      size_t i = find_tag(out, id, name);
      if (i == SIZE_MAX) {
        TagEntry e;
        e.id = id;
        if (id == kUnknownTag) e.text = name;
        out.tags.push_back(std::move(e));
        votes.push_back(0);
        i = out.tags.size() - 1;
        if (changes) changes->push_back({TagChange::Kind::kAdded, name, {}, "from " + tagger.source});
      }
      TagEntry& e = out.tags[i];
      if (!(e.sources & bit)) ++votes[i];
      e.sources |= bit;
      e.confidence = std::max(e.confidence, p);
    }
    if (best_rating != kUnknownTag && !has_category[static_cast<uint8_t>(TagCategory::kRating)]) {
      size_t i = find_tag(out, best_rating, {});
      if (i == SIZE_MAX) {
        TagEntry e;
        e.id = best_rating;
        out.tags.push_back(std::move(e));
        votes.push_back(0);
        i = out.tags.size() - 1;
      }
      out.tags[i].sources |= bit;
      out.tags[i].confidence = std::max(out.tags[i].confidence, best_rating_p);
    }
  }

  if (policy.general == MergePolicy::General::kIntersection && voters > 1) {
    size_t kept = 0;
    for (size_t i = 0; i < out.tags.size(); ++i) {
      const TagCategory cat = db.category(out.tags[i].id);
      // Unknown tags (trigger words) are no tagger's business: they stay.
      if (cat == TagCategory::kGeneral && votes[i] < voters) {
        if (changes) {
          changes->push_back({TagChange::Kind::kDropped, std::string(out.name(i, db)), {},
                              "intersection: said by " + std::to_string(votes[i]) + " of " +
                                  std::to_string(voters) + " sources"});
        }
        continue;
      }
      if (kept != i) out.tags[kept] = std::move(out.tags[i]);
      ++kept;
    }
    out.tags.resize(kept);
  }
  return out;
}

}  // namespace tagforge
