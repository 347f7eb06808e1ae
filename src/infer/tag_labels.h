// The tag list a tagger's outputs are read against, one name per output:
//   selected_tags.csv (WD taggers): tag_id,name,category,count with
//     category 9 rating, 0 general, 4 character (others are ignored);
//   top_tags.txt (JoyTag): one tag per line, all general.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tagforge/error.h"

namespace tagforge {

enum class LabelCategory : uint8_t { kGeneral, kCharacter, kRating, kOther };

struct TagLabels {
  std::vector<std::string> names;
  std::vector<LabelCategory> categories;  // parallel to names
  size_t size() const { return names.size(); }
};

// `origin` names the file in errors (a bad header, a row without a name).
Result<TagLabels> parse_wd_labels(std::string_view csv, const std::filesystem::path& origin);
Result<TagLabels> parse_joytag_labels(std::string_view text, const std::filesystem::path& origin);
// A WD CSV, or with `one_per_line` a JoyTag list.
Result<TagLabels> read_tag_labels(const std::filesystem::path& file, bool one_per_line);

}  // namespace tagforge
