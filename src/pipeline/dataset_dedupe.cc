#include "pipeline/dataset_dedupe.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>

#include "core/natural_order.h"
#include "dedupe/aligned_check.h"
#include "dedupe/near_copies.h"
#include "pipeline/dedupe_memo.h"
#include "pipeline/perceptual_hash_result.h"
#include "pipeline/stages/quality_stage.h"
#include "tags/normalize.h"

namespace tagforge {

namespace fs = std::filesystem;

namespace {

// The first 16 hex digits of a content hash as a number (0 when it has none).
uint64_t content_prefix(const std::string& hash) {
  uint64_t v = 0;
  for (size_t i = 0; i < std::min<size_t>(16, hash.size()); ++i) {
    const char c = hash[i];
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 0;
    v = v << 4 | uint64_t(d);
  }
  return v;
}

// The settings the memo's verdicts were made with, the check's own lines among them.
std::string memo_settings(const DedupeConfig& c) {
  return fmt::format("v1 threshold={} mirrored={} exact={} block={} hopeless={} sure={}", c.near_threshold,
                     c.mirrored_copies, c.exact_copies, kSamePictureBlockDifference, kHopelessMeanDifference,
                     kSureExpression);
}

}  // namespace

FaceTags face_tags_of(const ItemState& item) {
  FaceTags face;
  if (const StageResult* t = stage_result(item, kStageTagger)) {
    const auto& j = stage_json(*t);
    if (j.contains("general") && j["general"].is_object()) {
      face.by_tagger.known = true;  // a picture the tagger ran on and saw no expression in shows none
      for (const auto& [tag, p] : j["general"].items()) {
        if (p.is_number()) face.by_tagger.add(tag, p.get<float>());
      }
    }
  }
  std::vector<std::string_view> own;
  split_tag_list(item.existing_tags, own);
  for (std::string_view tag : own) face.by_user.add(tag, 1);
  return face;
}

bool different_faces(const FaceTags& a, const FaceTags& b) {
  if (a.by_tagger.known && b.by_tagger.known) return different_expressions(a.by_tagger, b.by_tagger);
  return different_expressions(a.by_user, b.by_user);
}

std::vector<DuplicateGroup> duplicate_groups(const std::vector<DuplicateRow>& rows) {
  std::map<std::string, std::vector<DuplicateRow>> by_keeper;
  for (const DuplicateRow& r : rows) by_keeper[r.keeper].push_back(r);
  std::vector<DuplicateGroup> out;
  for (auto& [keeper, members] : by_keeper) {
    std::sort(members.begin(), members.end(), [](const DuplicateRow& a, const DuplicateRow& b) { return a.path < b.path; });
    out.push_back(DuplicateGroup{keeper, std::move(members)});
  }
  return out;
}

Result<std::unordered_set<std::string>> set_aside_paths(Manifest& m) {
  auto rows = m.duplicates();
  if (!rows) return rows.error();
  std::unordered_set<std::string> paths;
  for (const DuplicateRow& r : *rows) paths.insert(r.path);
  return paths;
}

// A key of everything a candidate's verdicts depend on (its keeper facts are not).
uint64_t DuplicateFinder::verdict_key(const Candidate& c) {
  uint64_t h = 0x9e3779b97f4a7c15ull;
  auto mix = [&](uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
  };
  for (uint64_t v : {c.content, c.clip, c.hash.dct, c.hash.centre, c.hash.dct_mirror, c.hash.centre_mirror,
                     c.face.by_tagger.shows, c.face.by_tagger.seen, uint64_t(c.face.by_tagger.known),
                     c.face.by_user.shows, c.face.by_user.seen, uint64_t(c.face.by_user.known)}) {
    mix(v);
  }
  return h;
}

std::optional<DuplicateFinder::Candidate> DuplicateFinder::candidate_of(const ItemState& item) const {
  if (!on() || item.item.hash.empty()) return std::nullopt;
  Candidate c;
  c.content = content_prefix(item.item.hash);
  if (item.item.kind == "frame" && !item.item.source.empty()) c.clip = std::hash<std::string>()(item.item.source) | 1;
  if (config_.near_copies) {
    const StageResult* r = stage_result(item, kStageHash);
    if (!r) return std::nullopt;  // it did not decode: no one's copy
    const auto hashed = peek_perceptual_hash_data(r->data);
    if (!hashed) return std::nullopt;
    c.hash = hashed->hash;
    c.facts.width = hashed->width;
    c.facts.height = hashed->height;
  }
  const bool has_words = stage_result(item, kStageTags) && !untagged(item);  // an empty caption's score means nothing
  if (const StageResult* s = has_words ? stage_result(item, kStageScore) : nullptr) {
    const auto& j = stage_json(*s);
    if (j.contains("overall") && j["overall"].is_number()) c.facts.score = j["overall"].get<double>();
  }
  c.facts.own_tags = !item.existing_tags.empty();
  c.facts.passes_quality = !fails_quality_gate(item);
  c.face = face_tags_of(item);
  c.key = verdict_key(c);
  c.facts.chosen = review_edit_of(item).keep;
  return c;
}

void DuplicateFinder::add(const Candidate& candidate, uint64_t position) {
  candidates_.push_back(candidate);
  candidates_.back().position = position;
}

Result<std::vector<DuplicateRow>> DuplicateFinder::find(Manifest& m, Scratch& scratch, const fs::path& work) {
  std::vector<DuplicateRow> rows;
  if (!on() || candidates_.size() < 2) {
    TF_RETURN_IF_ERROR(m.replace_duplicates(rows));
    return rows;
  }
  // Paths and thumbnails are read only for candidates, on whichever core asks: the reads one at
  // a time (one connection), the parsing on the core that asked.
  std::mutex mu;
  Status failure = ok_status();
  std::unordered_map<uint64_t, std::string> paths;
  auto path_of = [&](uint64_t position) -> std::string {  // REQUIRES: mu held
    auto hit = paths.find(position);
    if (hit != paths.end()) return hit->second;
    auto got = scratch.items(position, 1, work);
    if (!got || got->empty()) {
      if (!got && failure.ok()) failure = got.error();
      return paths[position] = "";
    }
    return paths[position] = (*got)[0].item.path;
  };
  std::unordered_map<uint64_t, std::optional<GreyThumbnail>> thumbnails;
  auto thumbnail_of = [&](uint64_t position) -> std::optional<GreyThumbnail> {  // REQUIRES: mu not held
    std::string data;
    {
      std::lock_guard lock(mu);
      if (auto hit = thumbnails.find(position); hit != thumbnails.end()) return hit->second;
      auto r = m.result(path_of(position), kStageHash);
      if (!r && failure.ok()) failure = r.error();
      if (!r || !*r || !(*r)->error.empty()) return thumbnails[position] = std::nullopt;
      data = std::move((*r)->data);
    }
    std::optional<GreyThumbnail> thumb;
    const auto parsed = nlohmann::ordered_json::parse(data, nullptr, false);
    if (auto hashed = parsed.is_discarded() ? std::nullopt : parse_perceptual_hash_data(parsed)) thumb = hashed->thumbnail;
    std::lock_guard lock(mu);  // another core may have read it meanwhile: the same thumbnail
    return thumbnails[position] = thumb;
  };

  std::vector<std::vector<uint32_t>> groups;
  if (config_.near_copies) {
    std::vector<PerceptualHash> hashes;
    std::vector<uint64_t> keys;
    hashes.reserve(candidates_.size());
    keys.reserve(candidates_.size());
    for (const Candidate& c : candidates_) hashes.push_back(c.hash), keys.push_back(c.key);
    auto memo = DedupeMemo::load(m, memo_settings(config_));
    if (!memo) return memo.error();
    const std::vector<uint32_t> earlier = memo->earlier(keys);
    groups = near_copy_groups(hashes, NearCopyOptions{config_.near_threshold, config_.mirrored_copies},
                              [&](uint32_t i, uint32_t j, bool mirrored) {
                                const Candidate &a = candidates_[i], &b = candidates_[j];
                                if (a.clip != 0 && a.clip == b.clip) return false;  // one clip's frames
                                if (a.content == b.content) return config_.exact_copies;
                                if (different_faces(a.face, b.face)) return false;
                                const std::optional<GreyThumbnail> ta = thumbnail_of(a.position);
                                const std::optional<GreyThumbnail> tb = ta ? thumbnail_of(b.position) : std::nullopt;
                                return ta && tb && same_picture(*ta, *tb, mirrored);  // on this core
                              },
                              earlier);
    TF_RETURN_IF_ERROR(failure);  // a thumbnail that could not be read: no memo of a verdict without it
    TF_RETURN_IF_ERROR(memo->save(m, keys, groups));
  } else {  // the same bytes only
    std::vector<uint32_t> order(candidates_.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return candidates_[a].content < candidates_[b].content; });
    for (size_t at = 0; at < order.size();) {
      size_t end = at + 1;
      while (end < order.size() && candidates_[order[end]].content == candidates_[order[at]].content) ++end;
      if (end - at > 1) {
        groups.emplace_back(order.begin() + at, order.begin() + end);
        std::sort(groups.back().begin(), groups.back().end());
      }
      at = end;
    }
    std::sort(groups.begin(), groups.end());
  }
  TF_RETURN_IF_ERROR(failure);

  for (auto& group : groups) {
    // Ties go to the first in natural path order, whatever order the images came in (a run
    // adds them in its walk's order, a merge in the manifest's).
    std::stable_sort(group.begin(), group.end(), [&](uint32_t a, uint32_t b) {
      return natural_less(path_of(candidates_[a].position), path_of(candidates_[b].position));
    });
    std::vector<KeeperFacts> facts;
    for (uint32_t i : group) facts.push_back(candidates_[i].facts);
    const uint32_t keeper = group[choose_keeper(facts)];
    const Candidate& k = candidates_[keeper];
    for (uint32_t i : group) {
      if (i == keeper) continue;
      const Candidate& c = candidates_[i];
      DuplicateRow row{path_of(c.position), path_of(k.position), c.content == k.content};
      if (config_.near_copies) {  // joined through other members: at any distance
        const auto d = near_copy_distance(k.hash, c.hash, NearCopyOptions{64, config_.mirrored_copies});
        row.dct = d->dct;
        row.centre = d->centre;
        row.mirrored = d->mirrored;
      }
      rows.push_back(std::move(row));
    }
  }
  TF_RETURN_IF_ERROR(failure);
  TF_RETURN_IF_ERROR(m.replace_duplicates(rows));
  return rows;
}

}  // namespace tagforge
