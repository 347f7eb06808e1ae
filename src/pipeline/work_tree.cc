#include "pipeline/work_tree.h"

namespace tagforge {

namespace fs = std::filesystem;

void for_each_file(const fs::path& root,
                   const std::function<void(const fs::path& file, const std::string& relative)>& visit) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_directory(ec)) {
      if (it->path().filename() == ".tagforge") it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec)) visit(it->path(), it->path().lexically_relative(root).string());
  }
}

}  // namespace tagforge
