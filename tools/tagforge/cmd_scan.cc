#include <cstdio>

#include "commands.h"
#include "tagforge/path_text.h"
#include "tagforge/scan.h"

namespace tagforge::cli {

Runner add_scan_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("scan", "Count and check what a folder holds: media, sidecars, broken files");
  struct Args {
    std::string dir;
    bool json = false;
    bool quiet = false;
    ScanOptions scan;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("DIR", a->dir, "Folder to scan")->required();
  cmd->add_flag("--json", a->json, "Print a JSON summary (with every problem) instead of text");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress output");
  cmd->add_option("--tag-max-words", a->scan.tag_max_words,
                  "A sidecar whose comma-separated items mostly have at most this many words is a tag list, "
                  "otherwise a caption")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  return [a] {
    auto progress = make_terminal_progress(a->quiet || a->json);
    a->scan.progress = progress.get();
    auto r = scan_tree(a->dir, a->scan);
    if (!r) {
      std::fprintf(stderr, "tagforge scan: %s\n", r.error().to_string().c_str());
      return kExitFatal;
    }
    if (a->json) {
      std::fputs(scan_to_json(*r).c_str(), stdout);
    } else {
      std::fputs(format_scan_summary(*r).c_str(), stdout);
      std::vector<std::pair<std::string, std::string>> rows;
      for (const auto& n : r->notes) rows.emplace_back(printable_path(n.path), n.message);
      print_problems("problems", rows, 20);
    }
    const ScanCounts c = r->counts();
    return (c.unreadable || c.unreadable_dirs) ? kExitSomeFailed : kExitOk;
  };
}

}  // namespace tagforge::cli
