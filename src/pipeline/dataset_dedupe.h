// The run's [dedupe] (issue 21): exact and near copies across the whole
// dataset, the best of each group kept and the others set aside.
//
// The items pass makes each finished image's candidate_of() on its parallel
// stage (the phash stage's result, computed from the decode the other pixel
// stages share, or taken from the manifest) and hands it to add() in order;
// after the pass, find() groups them (dedupe/near_copies.h, every
// candidate pair confirmed on the thumbnails the manifest keeps), chooses each
// group's keeper (dedupe/keeper.h: the largest, then the best caption score,
// then the user's own tags) and records the others in the manifest's
// `duplicates` table, which the export files into duplicates_N and the
// metadata files leave out. Two pictures whose faces are tagged with
// different expressions are never copies, however close their pixels.
// Frames of one clip are never each other's copies:
// the extraction's similarity_threshold has judged them already.
//
// A grown run checks only the pairs with a new image (dedupe_memo.h).
//
// Memory: about 110 bytes an image, and the memo's 16 (the paths stay in the scratch database).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "dedupe/expressions.h"
#include "dedupe/keeper.h"
#include "media/perceptual_hash.h"
#include "pipeline/item_stages.h"
#include "pipeline/manifest.h"
#include "pipeline/scratch.h"
#include "pipeline/stage_options.h"

namespace tagforge {

// The set-aside rows by keeper: each group's keeper (path order) and its duplicates (path order).
struct DuplicateGroup {
  std::string keeper;
  std::vector<DuplicateRow> members;
};
std::vector<DuplicateGroup> duplicate_groups(const std::vector<DuplicateRow>& rows);

// The paths (relative to the work folder) of the copies the last run set aside:
// the export files them into duplicates_N, the metadata files leave them out.
Result<std::unordered_set<std::string>> set_aside_paths(Manifest& manifest);

// An item's face as each source tags it (dedupe/expressions.h).
struct FaceTags {
  Expression by_tagger, by_user;
};
FaceTags face_tags_of(const ItemState& item);
// Like with like: the tagger's tags when it ran on both, else the user's when both have them.
bool different_faces(const FaceTags& a, const FaceTags& b);

class DuplicateFinder {
 public:
  // `expected`: at most how many candidates will be added, reserved at once (a million images:
  // one buffer of their exact size, not a doubling one that holds two while it grows).
  explicit DuplicateFinder(const DedupeConfig& config, size_t expected = 0) : config_(config) {
    if (on()) candidates_.reserve(expected);
  }

  // Whether [dedupe] looks for anything.
  bool on() const { return config_.exact_copies || config_.near_copies; }

  // What grouping needs of an item the pass has finished, on any core; nothing for an item
  // without it (a failed decode). Added in the scratch's order: `position` is its place there.
  struct Candidate;
  std::optional<Candidate> candidate_of(const ItemState& item) const;
  void add(const Candidate& candidate, uint64_t position);

  // The groups, into the manifest; returns the rows recorded (the set-aside images).
  Result<std::vector<DuplicateRow>> find(Manifest& manifest, Scratch& scratch, const std::filesystem::path& work);

  struct Candidate {
    uint64_t position = 0;
    uint64_t content = 0;  // the content hash's first 64 bits
    uint64_t clip = 0;     // frames: a hash of their clip's path; else 0
    PerceptualHash hash;
    KeeperFacts facts;
    FaceTags face;
    uint64_t key = 0;  // everything its verdicts depend on (dedupe_memo.h)
  };

 private:
  static uint64_t verdict_key(const Candidate& c);
  DedupeConfig config_;
  std::vector<Candidate> candidates_;
};

}  // namespace tagforge
