// The shipped data files for fuzz targets, loaded once, on first use; a
// load failure aborts (the fuzzer would test nothing).
#pragma once

#include <cstdlib>
#include <filesystem>

#include "tagforge/lexicon.h"
#include "tagforge/tags.h"

namespace tagforge::fuzz {

inline const std::filesystem::path& data_dir() {
  static const std::filesystem::path dir = TAGFORGE_TEST_DATA_DIR;
  return dir;
}

inline const TagDb& shipped_db() {
  static const TagDb* db = [] {
    auto r = TagDb::load({data_dir() / "danbooru_tags.csv"});
    if (!r) std::abort();
    return new TagDb(std::move(*r));
  }();
  return *db;
}

inline const TagRules& shipped_rules() {
  static const TagRules* rules = [] {
    auto r = TagRules::load(data_dir() / "tag_rules.toml", shipped_db());
    if (!r) std::abort();
    return new TagRules(std::move(*r));
  }();
  return *rules;
}

inline const Lexicon& shipped_lexicon() {
  static const Lexicon* lexicon = [] {
    auto r = Lexicon::load(data_dir() / "lexicon.txt", &shipped_db());
    if (!r) std::abort();
    return new Lexicon(std::move(*r));
  }();
  return *lexicon;
}

}  // namespace tagforge::fuzz
