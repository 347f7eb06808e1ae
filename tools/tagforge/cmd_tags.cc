// `tagforge tags clean|stats`: the tag engine from the command line.
#include "commands.h"

namespace tagforge::cli {

Runner add_tags_clean_command(CLI::App& tags);
Runner add_tags_stats_command(CLI::App& tags);

Runner add_tags_command(CLI::App& app) {
  auto* tags = app.add_subcommand("tags", "Clean booru tag files and count tags");
  tags->require_subcommand(1);
  Runner clean = add_tags_clean_command(*tags);
  Runner stats = add_tags_stats_command(*tags);
  return [tags, clean, stats] {
    for (auto* sub : tags->get_subcommands()) {
      if (sub->get_name() == "clean") return clean();
      if (sub->get_name() == "stats") return stats();
    }
    return kExitFatal;
  };
}

}  // namespace tagforge::cli
