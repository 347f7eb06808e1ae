// `tagforge caption`: English captions from tags (data/lexicon.txt and a
// grammar). PATHs: each image's tag sidecar -> <stem>.caption beside it;
// --stdin: one tag list per line in, one caption per line out; --coverage:
// how much of the tag database's use the lexicon covers.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

#include "commands.h"
#include "core/atomic_file.h"
#include "core/fs_ops.h"
#include "tagforge/path_text.h"
#include "tagforge/scan.h"
#include "tag_engine.h"
#include "tagforge/caption.h"
#include "tagforge/lexicon.h"

namespace tagforge::cli {
namespace {

struct Args {
  std::vector<std::string> paths;
  bool coverage = false, json = false, from_stdin = false, drop_unknown = false, artist = false;
  bool overwrite = false, dry_run = false;
  std::string trigger;
  uint64_t seed = 0;
  size_t top = 2000, show_missing = 20;
  TagEngineFlags engine;
};

struct Captioner {
  const TagEngine& engine;
  const Lexicon& lexicon;
  CaptionOptions options;
  TagList list;
  ParseScratch scratch;

  std::string caption(std::string_view tags) {
    parse_tag_list(tags, engine.db, list, scratch);
    (void)prune_tags(list, engine.db, engine.rules, PruneOptions{});  // no user rules: cannot fail
    return caption_from_tags(list, engine.db, lexicon, options);
  }
};

// Every usable image under `path` with a tag sidecar gets <stem>.caption.
// An existing .caption is kept unless `overwrite`.
void caption_path(const std::string& path, Captioner& c, const Args& a, size_t& written, size_t& kept, size_t& failed) {
  auto scan = scan_tree(path, ScanOptions{});
  if (!scan) {
    std::fprintf(stderr, "tagforge caption: %s\n", scan.error().to_string().c_str());
    ++failed;
    return;
  }
  for (const Item& item : scan->items) {
    if (!item.usable()) continue;
    const Sidecar* tags = nullptr;
    bool has_caption = false;
    for (const Sidecar& s : item.sidecars) {
      const bool caption_file = is_caption_file(s.name);
      if (caption_file) has_caption = true;
      else if (s.kind == SidecarKind::kTags && !tags) tags = &s;  // a short .caption can look like tags
    }
    if (!tags) continue;
    const std::string stem(item.name.substr(0, item.name.rfind('.')));
    const auto target = scan->root / scan->relative_path(item, stem + ".caption");
    if (has_caption && !a.overwrite && std::filesystem::exists(target)) {
      ++kept;
      continue;
    }
    auto text = read_whole_file(scan->root / scan->relative_path(item, tags->name), "tag file");
    if (!text) {
      std::fprintf(stderr, "tagforge caption: %s\n", text.error().to_string().c_str());
      ++failed;
      continue;
    }
    const std::string out = c.caption(*text) + "\n";
    if (a.dry_run) {
      std::printf("%s: %s", printable_path(target.native()).c_str(), out.c_str());
      ++written;
      continue;
    }
    if (Status st = write_file_atomic(target, out, Overwrite::kReplace); !st.ok()) {
      std::fprintf(stderr, "tagforge caption: %s\n", st.error().to_string().c_str());
      ++failed;
      continue;
    }
    ++written;
  }
}

}  // namespace

Runner add_caption_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("caption", "English captions from tags, by a lexicon and a grammar (no model)");
  auto a = std::make_shared<Args>();
  cmd->add_option("PATH", a->paths, "Files or folders: each image's tag sidecar becomes <stem>.caption beside it");
  cmd->add_flag("--stdin", a->from_stdin, "Read one tag list per line, write one caption per line");
  cmd->add_flag("--overwrite", a->overwrite, "Replace existing .caption files (default: keep them)");
  cmd->add_flag("--dry-run", a->dry_run, "Print the captions; write nothing");
  cmd->add_option("--trigger", a->trigger, "Words forced at the start of every caption (a LoRA trigger)");
  cmd->add_flag("--artist", a->artist, "End with \"Art by …\" when the tags name an artist");
  cmd->add_flag("--drop-unknown", a->drop_unknown, "Leave out tags the lexicon does not know (default: \"Also: …\")");
  cmd->add_option("--seed", a->seed, "Vary the order of phrases and sentences (0: one fixed order)")->capture_default_str();
  cmd->add_flag("--coverage", a->coverage,
                "Print the share of general-tag use (weighted by post count) the lexicon gives a role");
  cmd->add_option("--top", a->top, "Most used general tags --coverage looks at")->capture_default_str();
  cmd->add_option("--show-missing", a->show_missing, "Most used tags without a role to list")->capture_default_str();
  cmd->add_flag("--json", a->json, "Print JSON");
  add_tag_engine_flags(*cmd, a->engine);
  add_lexicon_flag(*cmd, a->engine);

  return [a] {
    if (!a->coverage && !a->from_stdin && a->paths.empty()) {
      std::fprintf(stderr, "tagforge caption: give PATHs, --stdin or --coverage\n");
      return kExitFatal;
    }
    auto engine = load_tag_engine(a->engine, true);
    if (!engine) return kExitFatal;
    auto lexicon = load_lexicon(a->engine, engine->db, "caption");
    if (!lexicon) return kExitFatal;
    if (a->from_stdin || !a->paths.empty()) {
      Captioner c{*engine, *lexicon, {}, {}, {}};
      c.options.trigger = a->trigger;
      c.options.artist = a->artist;
      c.options.keep_unknown = !a->drop_unknown;
      c.options.seed = a->seed;
      if (a->from_stdin) {
        std::string line;
        while (std::getline(std::cin, line)) {
          const std::string caption = c.caption(line);
          std::fwrite(caption.data(), 1, caption.size(), stdout);
          std::fputc('\n', stdout);
        }
        return kExitOk;
      }
      size_t written = 0, kept = 0, failed = 0;
      for (const auto& p : a->paths) caption_path(p, c, *a, written, kept, failed);
      std::fprintf(stderr, "%zu captions %s, %zu existing kept%s, %zu failed\n", written,
                   a->dry_run ? "shown" : "written", kept, kept && !a->overwrite ? " (--overwrite replaces them)" : "",
                   failed);
      return failed ? kExitSomeFailed : kExitOk;
    }
    const LexiconCoverage c = lexicon_coverage(*lexicon, engine->db, a->top);
    if (a->json) {
      nlohmann::json j;
      j["top"] = c.tags;
      j["covered_tags"] = c.covered_tags;
      j["weighted_coverage"] = c.weighted();
      j["tag_coverage"] = c.tags ? static_cast<double>(c.covered_tags) / static_cast<double>(c.tags) : 0.0;
      j["missing"] = nlohmann::json::array();
      for (const auto& [name, posts] : c.missing) j["missing"].push_back({{"tag", name}, {"posts", posts}});
      std::printf("%s\n", j.dump(2).c_str());
      return kExitOk;
    }
    std::printf("lexicon coverage of the %zu most used general tags:\n", c.tags);
    std::printf("  weighted by post count  %6.2f %%  (target >= 95 %%)\n", 100.0 * c.weighted());
    std::printf("  tags with a role        %6zu of %zu (%.1f %%)\n", c.covered_tags, c.tags,
                c.tags ? 100.0 * static_cast<double>(c.covered_tags) / static_cast<double>(c.tags) : 0.0);
    const size_t shown = std::min(a->show_missing, c.missing.size());
    if (shown) std::printf("most used tags without a role:\n");
    for (size_t i = 0; i < shown; ++i) {
      std::printf("  %-32s %10llu posts\n", c.missing[i].first.c_str(), static_cast<unsigned long long>(c.missing[i].second));
    }
    return kExitOk;
  };
}

}  // namespace tagforge::cli
