// Open handles on the folders under one root, by relative path, so that a
// long run of renames names only the last path component each time instead
// of walking the whole path again (measurably cheaper at 100k+ renames).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/fs_ops.h"

namespace tagforge {

class DirHandles {
 public:
  explicit DirHandles(std::filesystem::path root) : root_(std::move(root)) {}

  // The handle of root/rel ("" is the root itself), or -1 when it cannot be
  // opened. Owned by this object; valid until the next call.
  int get(std::string_view rel);

  // Whether root/rel is there with this stamp, stat'ed from its folder's handle (false when
  // either cannot be had, or the stamp is the empty one): a link an earlier run made and
  // nothing touched since, found so without walking its path.
  bool holds(std::string_view rel, const FileStamp& stamp);

 private:
  static constexpr size_t kMaxOpen = 128;  // well under any fd limit

  std::filesystem::path root_;
  std::unordered_map<std::string, UniqueFd> open_;
};

// Splits "a/b/c.png" into {"a/b", "c.png"} and "c.png" into {"", "c.png"}.
inline std::pair<std::string_view, std::string_view> split_parent(std::string_view rel) {
  const size_t slash = rel.rfind('/');
  if (slash == std::string_view::npos) return {std::string_view(), rel};
  return {rel.substr(0, slash), rel.substr(slash + 1)};
}

}  // namespace tagforge
