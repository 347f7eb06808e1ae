// What the last run's dedupe grouped, so that a grown run checks only the
// pairs with a new image (issue 20: adding 1,000 images to a million costs
// their own work, not a million images' pairs again).
//
// Each image the dedupe looked at is remembered by a key of everything its
// verdicts depend on (content hash, perceptual hashes, clip, the faces its tags
// name) with the label of its group; the memo is one manifest meta value, kept
// for one set of [dedupe] settings. An image whose key was there (as many
// times as now) is judged; an earlier group with a member gone or changed is
// judged again whole (its other members count as new), as it may fall apart.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/manifest.h"

namespace tagforge {

class DedupeMemo {
 public:
  // The memo the manifest keeps for `settings`; empty when there is none or it
  // was made with other settings (or cannot be read: then everything is new).
  static Result<DedupeMemo> load(Manifest& manifest, const std::string& settings);

  // Per image (by key, in the caller's order): its earlier label for
  // near_copy_groups (kNotJudged, kJudgedAlone, or a group's label).
  std::vector<uint32_t> earlier(std::span<const uint64_t> keys) const;

  // This run's groups (indices into `keys`), for the next run; no write when unchanged.
  Status save(Manifest& manifest, std::span<const uint64_t> keys, const std::vector<std::vector<uint32_t>>& groups);

 private:
  std::string settings_, stored_;
  std::vector<std::pair<uint64_t, uint32_t>> entries_;  // key, label; by key
};

}  // namespace tagforge
