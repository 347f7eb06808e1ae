// tagforge: turns a heap of scraped media into a training set.
#include <cstdio>
#include <map>

#include "commands.h"

int main(int argc, char** argv) {
  using namespace tagforge::cli;
  CLI::App app{"tagforge: scan, sort, tag and caption image datasets for diffusion fine-tuning"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tagforge 0.1.0");
  std::map<CLI::App*, Runner> runners;
  auto add = [&](Runner (*fn)(CLI::App&)) {
    const size_t before = app.get_subcommands({}).size();
    Runner r = fn(app);
    runners[app.get_subcommands({})[before]] = std::move(r);
  };
  add(add_scan_command);
  add(add_sort_command);
  add(add_undo_command);
  add(add_tags_command);
  add(add_caption_command);
  add(add_score_command);
  add(add_tag_command);
  add(add_detect_command);
  add(add_segment_command);
  add(add_check_command);
  add(add_classify_command);
  add(add_dedupe_command);
  add(add_extract_command);
  add(add_init_command);
  add(add_run_command);
  add(add_merge_command);
  add(add_serve_command);
  add(add_models_command);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitFatal;
  }
  for (auto* sub : app.get_subcommands()) return runners.at(sub)();
  return kExitFatal;
}
