// `tagforge tags clean [PATH...] [--stdin]`: normalise, prune, format.
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "core/atomic_file.h"
#include "core/fs_ops.h"
#include "tag_engine.h"
#include "tagforge/path_text.h"
#include "tagforge/scan.h"

namespace tagforge::cli {
namespace {

constexpr uint64_t kMaxTagFileBytes = 16ull << 20;

struct Args {
  std::vector<std::string> paths;
  bool from_stdin = false, dry_run = false, explain = false, quiet = false;
  bool no_prune = false;
  std::string rating = "keep", order = "input", always_first, undesired, blacklist;
  TagEngineFlags engine;
  PruneOptions prune;
  FormatOptions format;
};

std::vector<std::string> comma_list(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s + ",") {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  return out;
}

class Cleaner {
 public:
  Cleaner(const TagEngine& e, const Args& a) : e_(e), a_(a) {}

  // One list in, one line out; the explanation lines go to `explain`.
  std::string clean(std::string_view text, std::vector<TagChange>* changes) {
    parse_tag_list(text, e_.db, list_, scratch_, "sidecar", changes);
    if (!a_.no_prune) (void)prune_tags(list_, e_.db, e_.rules, a_.prune, changes);
    format_tags(list_, e_.db, a_.format, out_);
    return out_;
  }

 private:
  const TagEngine& e_;
  const Args& a_;
  TagList list_;
  ParseScratch scratch_;
  std::string out_;
};

void print_changes(const std::string& where, const std::vector<TagChange>& changes) {
  for (const auto& c : changes) std::fprintf(stderr, "%s: %s\n", where.c_str(), format_change(c).c_str());
}

int run_stdin(Cleaner& cleaner, const Args& a) {
  std::string line;
  std::vector<TagChange> changes;
  for (uint64_t n = 1; std::getline(std::cin, line); ++n) {
    changes.clear();
    const std::string out = cleaner.clean(line, a.explain ? &changes : nullptr);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fputc('\n', stdout);
    if (a.explain) print_changes("line " + std::to_string(n), changes);
  }
  return kExitOk;
}

Result<std::string> read_small_file(const std::filesystem::path& p) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(p, ec);
  if (ec) return Error{ErrorCode::kIo, "cannot read: " + ec.message(), p};
  if (size > kMaxTagFileBytes) return Error{ErrorCode::kInvalidInput, "too large for a tag file (" + std::to_string(size) + " bytes)", p};
  return read_whole_file(p, "tag file");
}

struct Totals {
  uint64_t files = 0, changed = 0, skipped = 0, failed = 0;
};

void clean_file(Cleaner& cleaner, const Args& a, const std::filesystem::path& p, bool explicit_path, Totals& t) {
  auto text = read_small_file(p);
  if (!text) {
    std::fprintf(stderr, "tagforge tags clean: %s\n", text.error().to_string().c_str());
    ++t.failed;
    return;
  }
  if (explicit_path && classify_sidecar_text(*text, 4) == SidecarKind::kCaption) {
    std::fprintf(stderr, "%s: reads as a caption, not a tag list; left alone\n", printable_path(p.native()).c_str());
    ++t.skipped;
    return;
  }
  std::vector<TagChange> changes;
  std::string out = cleaner.clean(*text, a.explain ? &changes : nullptr);
  ++t.files;
  if (a.explain) print_changes(printable_path(p.native()), changes);
  std::string_view old = *text;
  while (!old.empty() && (old.back() == '\n' || old.back() == '\r')) old.remove_suffix(1);
  if (old == out) return;
  ++t.changed;
  if (a.dry_run) {
    std::printf("%s: %s\n", printable_path(p.native()).c_str(), out.c_str());
    return;
  }
  if (Status st = write_file_atomic(p, out, Overwrite::kReplace); !st.ok()) {
    std::fprintf(stderr, "tagforge tags clean: %s\n", st.error().to_string().c_str());
    ++t.failed;
  }
}

void clean_folder(Cleaner& cleaner, const Args& a, const std::filesystem::path& dir, Totals& t) {
  ScanOptions so;
  auto scan = scan_tree(dir, so);
  if (!scan) {
    std::fprintf(stderr, "tagforge tags clean: %s\n", scan.error().to_string().c_str());
    ++t.failed;
    return;
  }
  for (const Item& item : scan->items) {
    for (const Sidecar& s : item.sidecars) {
      if (s.kind == SidecarKind::kCaption && !a.quiet) {
        std::fprintf(stderr, "%s: a caption, not a tag list; left alone\n",
                     printable_path(scan->relative_path(item, s.name)).c_str());
      }
      if (s.kind != SidecarKind::kTags) continue;
      clean_file(cleaner, a, scan->root / scan->relative_path(item, s.name), false, t);
    }
  }
}

}  // namespace

Runner add_tags_clean_command(CLI::App& tags) {
  auto* cmd = tags.add_subcommand("clean", "Normalise, prune and format tag lists (files, folders or stdin)");
  auto a = std::make_shared<Args>();
  cmd->add_option("PATH", a->paths, "Tag files, or folders whose tag sidecars are cleaned");
  cmd->add_flag("--stdin", a->from_stdin, "Read one list per line, write one cleaned list per line");
  cmd->add_flag("--dry-run", a->dry_run, "Print what files would become; change nothing");
  cmd->add_flag("--explain", a->explain, "Print every dropped, renamed or unknown tag and the rule (to stderr)");
  cmd->add_flag("-q,--quiet", a->quiet, "Only errors");
  add_tag_engine_flags(*cmd, a->engine);
  // Pruning.
  cmd->add_flag("--no-prune", a->no_prune, "Normalise and format only");
  cmd->add_flag("!--no-contradictions", a->prune.contradictions, "Keep contradictory tags");
  cmd->add_flag("!--no-redundancy", a->prune.redundancy, "Keep tags a more specific tag implies");
  cmd->add_flag("--keep-implied-counts", a->prune.keep_implied_counts, "Keep multiple_girls beside 2girls");
  cmd->add_option("--undesired", a->undesired, "Tags to drop, comma-separated");
  cmd->add_option("--replace", a->prune.replacements, "Replacements like kohya's: 'a,b;c,d' turns a into b, c into d");
  cmd->add_option("--blacklist", a->blacklist, "Globs of tags to drop, comma-separated ('*_censor*')");
  // Formatting (kohya's tag_images_by_wd14_tagger.py names in brackets).
  cmd->add_option("--separator", a->format.separator, "Between tags [caption_separator]")->capture_default_str();
  cmd->add_flag("--remove-underscore", a->format.remove_underscores, "Spaces for underscores, kaomoji kept [remove_underscore]");
  cmd->add_flag("--escape-parentheses", a->format.escape_parentheses, "Write \\( and \\) for prompt-syntax tools");
  cmd->add_flag("--character-first", a->format.character_first, "Character tags first [character_tags_first]");
  cmd->add_option("--always-first", a->always_first, "Tags moved to the front when present, comma-separated [always_first_tags]");
  cmd->add_option("--rating", a->rating, "Rating tag: keep, first, last or drop [use_rating_tags(_as_last_tag)]")
      ->check(CLI::IsMember({"keep", "first", "last", "drop"}))
      ->capture_default_str();
  cmd->add_option("--order", a->order, "Order: input, confidence or category")
      ->check(CLI::IsMember({"input", "confidence", "category"}))
      ->capture_default_str();

  return [a] {
    if (a->paths.empty() && !a->from_stdin) {
      std::fprintf(stderr, "tagforge tags clean: give PATHs or --stdin\n");
      return kExitFatal;
    }
    if (auto r = parse_replacements(a->prune.replacements); !r) {
      std::fprintf(stderr, "tagforge tags clean: --replace: %s\n", r.error().message.c_str());
      return kExitFatal;
    }
    a->prune.undesired = comma_list(a->undesired);
    a->prune.blacklist = comma_list(a->blacklist);
    a->format.always_first = comma_list(a->always_first);
    using R = FormatOptions::Rating;
    a->format.rating = a->rating == "first" ? R::kFirst : a->rating == "last" ? R::kLast : a->rating == "drop" ? R::kDrop : R::kKeep;
    using O = FormatOptions::Order;
    a->format.order = a->order == "confidence" ? O::kConfidence : a->order == "category" ? O::kCategory : O::kInput;

    auto engine = load_tag_engine(a->engine, a->quiet);
    if (!engine) return kExitFatal;
    Cleaner cleaner(*engine, *a);
    if (a->from_stdin) return run_stdin(cleaner, *a);

    Totals t;
    for (const auto& p : a->paths) {
      std::error_code ec;
      if (std::filesystem::is_directory(p, ec)) clean_folder(cleaner, *a, p, t);
      else clean_file(cleaner, *a, p, true, t);
    }
    if (!a->quiet) {
      std::fprintf(stderr, "%s %llu tag files: %llu changed, %llu unchanged, %llu skipped, %llu failed\n",
                   a->dry_run ? "would clean" : "cleaned", static_cast<unsigned long long>(t.files),
                   static_cast<unsigned long long>(t.changed), static_cast<unsigned long long>(t.files - t.changed),
                   static_cast<unsigned long long>(t.skipped), static_cast<unsigned long long>(t.failed));
    }
    return t.failed ? kExitSomeFailed : kExitOk;
  };
}

}  // namespace tagforge::cli
