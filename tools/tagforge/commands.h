// One function per subcommand: it registers its flags on the CLI11 app and
// returns the callback that runs it. Exit codes: 0 all good, 1 some files
// failed, 2 usage or fatal error.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

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

// Prints problems (path: message) to stderr, at most `limit`, then a count.
void print_problems(const char* heading, const std::vector<std::pair<std::string, std::string>>& rows, size_t limit);

}  // namespace tagforge::cli
