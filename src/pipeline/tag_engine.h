// The tag database and the pruning rules, loaded together, and what the
// stages that change tag lists share: a sidecar's tags merged with a
// tagger's, pruned, formatted.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tagforge/error.h"
#include "tagforge/tags.h"

namespace tagforge {

struct TagEngine {
  TagDb db;
  TagRules rules;
};

struct TagEngineFiles {
  std::filesystem::path data_dir;                // empty: find_data_dir's search
  std::filesystem::path rules_file;              // empty: DATA/tag_rules.toml
  std::vector<std::filesystem::path> extra_csvs;  // read after danbooru_tags.csv
};

// Errors name the file. `warnings` (may be null) receives the rules' warnings
// and a count of skipped database lines.
Result<std::unique_ptr<TagEngine>> load_tag_engine(const TagEngineFiles& files, std::vector<std::string>* warnings);

// `existing` (a sidecar's text, may be empty) first, then the tagger's tags
// (their thresholds have chosen already), merged and pruned; the sidecar wins
// a contradiction over `source`.
TagList merge_with_tagger(std::string_view existing, const std::vector<std::pair<std::string, float>>& predicted,
                          const std::string& source, const TagEngine& engine);

}  // namespace tagforge
