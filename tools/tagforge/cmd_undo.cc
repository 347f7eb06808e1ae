#include <cstdio>

#include "commands.h"
#include "tagforge/path_text.h"
#include "tagforge/sort.h"

namespace tagforge::cli {

Runner add_undo_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("undo", "Put every file of a sort back where it was");
  struct Args {
    std::string target;
    bool json = false;
    bool quiet = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("DIR|JOURNAL", a->target,
                  "A sorted folder (undoes its latest sort not yet undone) or a journal file")
      ->required();
  cmd->add_flag("--json", a->json, "Print a JSON summary instead of text");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress output");
  return [a] {
    auto progress = make_terminal_progress(a->quiet || a->json);
    auto r = undo_sort(a->target, progress.get());
    if (!r) {
      std::fprintf(stderr, "tagforge undo: %s\n", r.error().to_string().c_str());
      return kExitFatal;
    }
    if (a->json) {
      std::fputs(undo_to_json(*r).c_str(), stdout);
    } else {
      std::fputs(format_undo_summary(*r).c_str(), stdout);
      std::vector<std::pair<std::string, std::string>> rows;
      for (const auto& n : r->failures) rows.emplace_back(printable_path(n.path), n.message);
      print_problems("not restored", rows, 50);
    }
    return r->failures.empty() ? kExitOk : kExitSomeFailed;
  };
}

}  // namespace tagforge::cli
