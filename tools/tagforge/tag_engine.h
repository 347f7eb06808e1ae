// What `tagforge tags ...` (and later stages) load before touching a tag:
// the database, the rules, and the flags that choose them.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/tag_engine.h"
#include "tagforge/lexicon.h"
#include "tagforge/tags.h"

namespace tagforge::cli {

struct TagEngineFlags {
  std::string data_dir;                 // --data
  std::string rules_file;               // --rules (default data/tag_rules.toml)
  std::vector<std::string> extra_csvs;  // --tags-csv, after danbooru_tags.csv
  std::string lexicon_file;             // --lexicon (default data/lexicon.txt), where registered
};

using tagforge::TagEngine;

void add_tag_engine_flags(CLI::App& cmd, TagEngineFlags& flags);

// Loads both; prints the error and returns nullptr on failure. Rule
// warnings (unknown tag names) go to stderr unless `quiet`.
std::unique_ptr<TagEngine> load_tag_engine(const TagEngineFlags& flags, bool quiet);

// The text of the tag sidecar `file`, or an error naming it when it holds a
// caption instead (prose is never read as tags or overwritten with them).
Result<std::string> read_tag_sidecar(const std::filesystem::path& file);

// For the commands that write or read English: --lexicon, and its loading
// (errors and line warnings printed, prefixed with `command`).
void add_lexicon_flag(CLI::App& cmd, TagEngineFlags& flags);
std::unique_ptr<Lexicon> load_lexicon(const TagEngineFlags& flags, const TagDb& db, const char* command);

}  // namespace tagforge::cli
