#include "image_inputs.h"

#include <cstdio>

#include "tagforge/scan.h"

namespace tagforge::cli {

std::vector<std::filesystem::path> collect_images(const std::vector<std::string>& args, const char* command,
                                                  size_t& failed) {
  std::vector<std::filesystem::path> out;
  for (const std::string& arg : args) {
    std::error_code ec;
    if (!std::filesystem::is_directory(arg, ec)) {
      out.emplace_back(arg);  // a bad file is reported when it fails to decode
      continue;
    }
    auto scan = scan_tree(arg, ScanOptions{});
    if (!scan) {
      std::fprintf(stderr, "%s: %s\n", command, scan.error().to_string().c_str());
      ++failed;
      continue;
    }
    for (const Item& item : scan->items) {
      if (item.kind() == MediaKind::kImage && item.usable()) out.push_back(scan->root / scan->relative_path(item));
    }
  }
  return out;
}

}  // namespace tagforge::cli
