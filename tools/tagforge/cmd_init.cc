// `tagforge init [FILE]`: the default config, every option under its help,
// written from the same definitions the flags and the reader use.
#include <cstdio>

#include "commands.h"
#include "core/atomic_file.h"
#include "pipeline/stage_options.h"

namespace tagforge::cli {
namespace {

constexpr const char* kHeader =
    "# tagforge config: `tagforge run IN --out OUT --config THIS_FILE`.\n"
    "# Every key is also a flag of `tagforge run` (similarity_threshold -> --similarity-threshold;\n"
    "# a key two sections share takes the section's name: --tag-extension). Flags beat this file.\n"
    "# Model folders left empty switch their stage off; see docs/MODELS.md.\n";

struct Args {
  std::string file;
  bool force = false;
};

int run(const Args& a) {
  RunConfig config;
  const std::string text = format_config(config.table(), kHeader);
  if (a.file.empty() || a.file == "-") {
    std::fputs(text.c_str(), stdout);
    return kExitOk;
  }
  const Status st = write_file_atomic(a.file, text, a.force ? Overwrite::kReplace : Overwrite::kNever);
  if (!st.ok()) {
    std::fprintf(stderr, "tagforge init: %s%s\n", st.error().to_string().c_str(),
                 st.error().code == ErrorCode::kExists ? " (--force replaces it)" : "");
    return kExitFatal;
  }
  std::fprintf(stderr, "tagforge init: wrote %s\n", a.file.c_str());
  return kExitOk;
}

}  // namespace

Runner add_init_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("init", "Write the default config, every option with its help");
  auto a = std::make_shared<Args>();
  cmd->add_option("FILE", a->file, "Where to write it (default: standard output)");
  cmd->add_flag("--force", a->force, "Replace an existing file");
  return [a] { return run(*a); };
}

}  // namespace tagforge::cli
