#include "tag_engine.h"

#include <cstdio>

#include "core/fs_ops.h"
#include "tagforge/scan.h"

namespace tagforge::cli {

void add_tag_engine_flags(CLI::App& cmd, TagEngineFlags& flags) {
  cmd.add_option("--data", flags.data_dir, "Data folder with danbooru_tags.csv and tag_rules.toml");
  cmd.add_option("--rules", flags.rules_file, "Pruning rules (default: DATA/tag_rules.toml)");
  cmd.add_option("--tags-csv", flags.extra_csvs,
                 "More tags: name,category,post_count,\"aliases\" lines, read after Danbooru's (repeatable)");
}

std::unique_ptr<TagEngine> load_tag_engine(const TagEngineFlags& flags, bool quiet) {
  TagEngineFiles files{flags.data_dir, flags.rules_file, {}};
  for (const auto& c : flags.extra_csvs) files.extra_csvs.emplace_back(c);
  std::vector<std::string> warnings;
  auto engine = tagforge::load_tag_engine(files, &warnings);
  if (!engine) {
    std::fprintf(stderr, "tagforge: %s\n", engine.error().to_string().c_str());
    return nullptr;
  }
  if (!quiet) {
    for (const auto& w : warnings) std::fprintf(stderr, "tagforge: %s\n", w.c_str());
  }
  return std::move(*engine);
}

void add_lexicon_flag(CLI::App& cmd, TagEngineFlags& flags) {
  cmd.add_option("--lexicon", flags.lexicon_file, "Lexicon file (default: DATA/lexicon.txt)");
}

std::unique_ptr<Lexicon> load_lexicon(const TagEngineFlags& flags, const TagDb& db, const char* command) {
  const auto file = flags.lexicon_file.empty() ? find_data_dir(flags.data_dir) / "lexicon.txt"
                                               : std::filesystem::path(flags.lexicon_file);
  auto lexicon = Lexicon::load(file, &db);
  if (!lexicon) {
    std::fprintf(stderr, "tagforge %s: %s\n", command, lexicon.error().to_string().c_str());
    return nullptr;
  }
  for (const auto& w : lexicon->warnings()) {
    std::fprintf(stderr, "tagforge %s: %s line %zu: %s\n", command, file.c_str(), w.line, w.message.c_str());
  }
  return std::make_unique<Lexicon>(std::move(*lexicon));
}

Result<std::string> read_tag_sidecar(const std::filesystem::path& file) {
  auto text = read_whole_file(file, "tag sidecar");
  if (!text) return text.error();
  if (classify_sidecar_text(*text, 4) == SidecarKind::kCaption) {
    return Error{ErrorCode::kInvalidInput, "holds a caption, not tags; left alone (--ext names another tag file)", file};
  }
  return text;
}

}  // namespace tagforge::cli
