#include <cstdio>

#include "commands.h"
#include "tagforge/path_text.h"
#include "tagforge/sort.h"

namespace tagforge::cli {

Runner add_sort_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "sort", "Move files into numbered buckets (images_1, missing_tags_1, gifs_1, …), journaled and undoable");
  struct Args {
    std::string dir;
    std::string dest;
    bool json = false;
    bool quiet = false;
    std::vector<std::string> folders;
    bool no_animations = false;
    bool no_review = false;
    SortOptions sort;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("DIR", a->dir, "Folder to sort (subfolders included)")->required();
  cmd->add_option("--bucket-size", a->sort.bucket_size, "Media files per bucket folder (sidecars travel along)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{100000000}));
  cmd->add_option("--dest", a->dest, "Sort into this folder instead of DIR itself");
  cmd->add_flag("--copy", a->sort.copy, "Hard-link (or copy across file systems) instead of moving");
  cmd->add_flag("--dry-run", a->sort.dry_run, "Print the plan; change nothing");
  cmd->add_flag("--rebalance", a->sort.rebalance,
                "Re-plan every file; without it, files already in a bucket of their class stay put");
  cmd->add_flag("--no-review", a->no_review,
                "No review_ buckets: images whose tag file says needs_review (tagforge score --write) sort as usual");
  cmd->add_flag("--no-animations", a->no_animations,
                "Treat animations and extracted frames as plain images (no gifs_/processed_ buckets)");
  cmd->add_option("--folder", a->folders,
                  "CLASS=NAME: the folder prefix of a class (images, missing_tags, gifs, videos, processed_gifs, "
                  "processed_videos, unknown, broken, review); classes given the same NAME share buckets");
  cmd->add_option("--journal-batch", a->sort.journal_batch,
                  "Moves per journal batch: one fsync each; files move while the next batch is planned")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{100000000}));
  cmd->add_flag("--json", a->json, "Print a JSON summary instead of text");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress output");
  return [a] {
    a->sort.dest = a->dest;
    a->sort.animations = !a->no_animations;
    if (a->no_review) a->sort.review_tag.clear();
    a->sort.scan.classify_sidecars = false;  // sorting needs only empty vs non-empty
    for (const auto& f : a->folders) {
      const auto eq = f.find('=');
      SortClass c;
      if (eq == std::string::npos || !parse_sort_class(f.substr(0, eq), &c) || eq + 1 == f.size() ||
          f.find('/', eq) != std::string::npos) {
        std::fprintf(stderr, "tagforge sort: bad --folder '%s': want CLASS=NAME, e.g. broken=broken_files\n", f.c_str());
        return kExitFatal;
      }
      a->sort.folder[static_cast<size_t>(c)] = f.substr(eq + 1);
    }
    auto progress = make_terminal_progress(a->quiet || a->json);
    a->sort.progress = progress.get();
    auto r = sort_tree(a->dir, a->sort);
    if (!r) {
      std::fprintf(stderr, "tagforge sort: %s\n", r.error().to_string().c_str());
      return kExitFatal;
    }
    if (a->json) {
      std::fputs(sort_to_json(*r).c_str(), stdout);
    } else {
      for (const auto& line : r->plan) std::printf("%s\n", line.c_str());
      std::fputs(format_sort_summary(*r).c_str(), stdout);
      std::vector<std::pair<std::string, std::string>> rows;
      for (const auto& n : r->failures) rows.emplace_back(printable_path(n.path), n.message);
      print_problems("failed", rows, 50);
    }
    return r->failures.empty() ? kExitOk : kExitSomeFailed;
  };
}

}  // namespace tagforge::cli
