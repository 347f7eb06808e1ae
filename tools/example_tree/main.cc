// tagforge-example-tree DIR [SCALE]: writes the example tree the README's
// quick start sorts (every class the sorter knows, awkward names included).
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "media_fixtures.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: tagforge-example-tree DIR [SCALE]\n");
    return 2;
  }
  const std::filesystem::path root = argv[1];
  if (std::filesystem::exists(root) && !std::filesystem::is_empty(root)) {
    std::fprintf(stderr, "tagforge-example-tree: %s exists and is not empty\n", argv[1]);
    return 2;
  }
  const int scale = argc > 2 ? std::max(1, std::atoi(argv[2])) : 1;
  const size_t n = tagforge::testing::write_example_tree(root, scale, true);
  std::printf("wrote %zu example files to %s\n", n, argv[1]);
  return 0;
}
