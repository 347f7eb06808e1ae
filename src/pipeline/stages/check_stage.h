// The check stage: the tags held against the pixels (tag_checks.h): hair and
// eye colours measured in the regions the detections and the subject mask
// give, people counted by the detectors. Result: {"checks": [...], "tags":
// the line after [check] fix, "changed"}. `tagforge check` runs
// check_pixels on what a .aseg file holds.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "pipeline/stages/item_stage.h"
#include "pipeline/tag_checks.h"

namespace tagforge {

const ItemStage& check_stage();

// "none", "replace", else flag.
FixPolicy fix_policy_named(std::string_view name);

// The subject mask `aseg` names: the first that decodes from `folder` as one
// channel of the image's size; none when none does.
std::optional<Image8> subject_mask(const std::filesystem::path& folder, const Aseg& aseg);

struct PixelCheck {
  TagCheckOutcome outcome;
  std::optional<RegionColour> hair, eyes;  // as measured
  std::string tags;                        // outcome.tags as a formatted tag line
};

// The tags of `tag_line` held against `image`, in the regions `aseg` (of the
// image's size) and `subject` (null: none) give.
PixelCheck check_pixels(const Image8& image, const Aseg& aseg, const Image8* subject, std::string_view tag_line,
                        const TagEngine& engine, FixPolicy policy, const std::string& review_tag);

}  // namespace tagforge
