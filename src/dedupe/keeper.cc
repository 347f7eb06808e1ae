#include "dedupe/keeper.h"

#include <tuple>

namespace tagforge {

size_t choose_keeper(std::span<const KeeperFacts> members) {
  auto rank = [](const KeeperFacts& f) {
    return std::make_tuple(f.chosen, f.passes_quality, int64_t(f.width) * f.height, f.score.has_value(),
                           f.score.value_or(0.0), f.own_tags);
  };
  size_t best = 0;
  for (size_t i = 1; i < members.size(); ++i)
    if (rank(members[i]) > rank(members[best])) best = i;  // ties keep the earlier
  return best;
}

}  // namespace tagforge
