#include "pipeline/tag_engine.h"

#include <fmt/format.h>

#include <span>

#include "tagforge/tag_db.h"

namespace tagforge {

Result<std::unique_ptr<TagEngine>> load_tag_engine(const TagEngineFiles& files, std::vector<std::string>* warnings) {
  const std::filesystem::path data = find_data_dir(files.data_dir.string());
  std::vector<std::filesystem::path> csvs{data / "danbooru_tags.csv"};
  csvs.insert(csvs.end(), files.extra_csvs.begin(), files.extra_csvs.end());
  auto db = TagDb::load(csvs);
  if (!db) return db.error();
  if (warnings && db->skipped_lines()) {
    warnings->push_back(fmt::format("{} malformed lines in the tag database were skipped", db->skipped_lines()));
  }
  auto rules = TagRules::load(files.rules_file.empty() ? data / "tag_rules.toml" : files.rules_file, *db);
  if (!rules) return rules.error();
  if (warnings) {
    for (const auto& w : rules->warnings()) warnings->push_back("rules: " + w);
  }
  auto engine = std::make_unique<TagEngine>();
  engine->db = std::move(*db);
  engine->rules = std::move(*rules);
  return engine;
}

TagList merge_with_tagger(std::string_view existing, const std::vector<std::pair<std::string, float>>& predicted,
                          const std::string& source, const TagEngine& e) {
  TagList sidecar = parse_tag_list(existing, e.db, "sidecar");
  TaggerTags tagger{source, predicted};
  MergePolicy policy;
  policy.general_threshold = 0;  // the tagger's own thresholds have chosen already
  policy.character_threshold = 0;
  TagList merged = merge_tags(sidecar, std::span(&tagger, 1), e.db, policy);
  PruneOptions prune;
  prune.source_priority = {"sidecar", source};
  (void)prune_tags(merged, e.db, e.rules, prune);
  return merged;
}

}  // namespace tagforge
