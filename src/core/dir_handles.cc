#include "core/dir_handles.h"

#include <fcntl.h>

namespace tagforge {

int DirHandles::get(std::string_view rel) {
  std::string key(rel);
  if (auto it = open_.find(key); it != open_.end()) return it->second.get();
  if (open_.size() >= kMaxOpen) open_.clear();  // sorts walk folders in runs; a reset is rare
  const std::filesystem::path p = rel.empty() ? root_ : root_ / key;
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return -1;
  const int raw = fd.get();
  open_.emplace(std::move(key), std::move(fd));
  return raw;
}

}  // namespace tagforge
