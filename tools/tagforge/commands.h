// One function per subcommand: it registers its flags on the CLI11 app and
// returns the callback that runs it. Exit codes: 0 all good, 1 some files
// failed, 2 usage or fatal error.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string_view>

namespace tagforge::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitSomeFailed = 1;
inline constexpr int kExitFatal = 2;

using Runner = std::function<int()>;

Runner add_scan_command(CLI::App& app);
Runner add_sort_command(CLI::App& app);
Runner add_undo_command(CLI::App& app);
Runner add_tags_command(CLI::App& app);
Runner add_caption_command(CLI::App& app);
Runner add_score_command(CLI::App& app);
Runner add_tag_command(CLI::App& app);
Runner add_detect_command(CLI::App& app);
Runner add_segment_command(CLI::App& app);
Runner add_check_command(CLI::App& app);
Runner add_classify_command(CLI::App& app);
Runner add_dedupe_command(CLI::App& app);
Runner add_extract_command(CLI::App& app);
Runner add_init_command(CLI::App& app);
Runner add_run_command(CLI::App& app);
Runner add_merge_command(CLI::App& app);
Runner add_serve_command(CLI::App& app);
Runner add_models_command(CLI::App& app);

// "a.caption": a caption sidecar by name, whatever its text looks like (a
// short one can read as a tag list).
inline bool is_caption_file(std::string_view name) {
  constexpr std::string_view kExt = ".caption";
  return name.size() > kExt.size() && name.substr(name.size() - kExt.size()) == kExt;
}

// Prints problems (path: message) to stderr, at most `limit`, then a count.
void print_problems(const char* heading, const std::vector<std::pair<std::string, std::string>>& rows, size_t limit);

}  // namespace tagforge::cli
