// Which image of a near-copy group stays in the training set (issue 21): the
// one a person chose on the review page, then one that passes the quality gate
// (issue 24: a blurred or upscaled copy is never kept over the sharp one), then
// the largest resolution (width x height), then the best caption score, then
// the one with the user's own tags, then the first in path order. The others
// are the group's duplicates.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace tagforge {

struct KeeperFacts {
  int width = 0, height = 0;
  std::optional<double> score;  // the caption's overall score, where one was made
  bool own_tags = false;        // a tag sidecar the user brought
  bool chosen = false;          // a person picked it (ReviewEdit::keep)
  bool passes_quality = true;   // no fault by the [quality] gate
};

// REQUIRES: !members.empty(). The index of the keeper.
size_t choose_keeper(std::span<const KeeperFacts> members);

}  // namespace tagforge
