#include "core/dir_handles.h"

#include <fcntl.h>
#include <sys/stat.h>

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

bool DirHandles::holds(std::string_view rel, const FileStamp& stamp) {
  if (stamp.ino == 0) return false;
  const auto [folder, name] = split_parent(rel);
  const int fd = get(folder);
  struct stat st {};
  return fd >= 0 && ::fstatat(fd, std::string(name).c_str(), &st, 0) == 0 && stamp_of(st) == stamp;
}

}  // namespace tagforge
