#include <cstdio>

#include "commands.h"

namespace tagforge::cli {

void print_problems(const char* heading, const std::vector<std::pair<std::string, std::string>>& rows, size_t limit) {
  if (rows.empty()) return;
  std::fflush(stdout);  // keep the summary above the problems on a shared terminal
  std::fprintf(stderr, "%s:\n", heading);
  for (size_t i = 0; i < rows.size() && i < limit; ++i) {
    std::fprintf(stderr, "  %s: %s\n", rows[i].first.c_str(), rows[i].second.c_str());
  }
  if (rows.size() > limit) std::fprintf(stderr, "  … and %zu more (--json lists them all)\n", rows.size() - limit);
}

}  // namespace tagforge::cli
