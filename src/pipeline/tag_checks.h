// Tags held against the pixels: the hair and eye colours tags name against
// the colours measured in those regions, and the number of people the count
// tags say against the number the detectors found. Each check is recorded
// (an AsegCheck) with what was measured and what was done about it:
//   none     report only;
//   flag     a contradiction adds the review tag (sort puts the image in
//            "review", see sort --no-review);
//   replace  a contradicted hair colour becomes the measured one (counts are
//            only flagged: a missed person is likelier than a wrong tag).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vision/aseg.h"
#include "vision/part_regions.h"

namespace tagforge {

enum class FixPolicy { kNone, kFlag, kReplace };

struct TagCheckOutcome {
  std::vector<AsegCheck> checks;
  std::vector<std::string> tags;  // the list after the policy
  bool changed = false;           // tags differs from the input
};

// `tags` in booru form (underscores). `hair`, `eyes`: nullopt when not measured.
TagCheckOutcome check_tags_against_pixels(const std::vector<std::string>& tags, const Aseg& aseg,
                                          const std::optional<RegionColour>& hair, FixPolicy policy,
                                          std::string_view review_tag = "needs_review",
                                          const std::optional<RegionColour>& eyes = std::nullopt);

}  // namespace tagforge
