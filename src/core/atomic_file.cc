#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <string>

#include "core/fs_ops.h"

namespace tagforge {

Status write_file_atomic(const std::filesystem::path& path, std::string_view data, Overwrite policy) {
  std::random_device rd;
  const std::string tmp = path.native() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rd());
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd.valid()) return Error::from_errno(errno, "cannot create temporary file", tmp);
    // A replaced file keeps its permissions (a private tag file stays private).
    struct stat old;
    if (policy == Overwrite::kReplace && ::stat(path.c_str(), &old) == 0) (void)::fchmod(fd.get(), old.st_mode & 07777);
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
      ssize_t w = ::write(fd.get(), p, left);
      if (w < 0) {
        if (errno == EINTR) continue;
        Error e = Error::from_errno(errno, "write failed", tmp);
        ::unlink(tmp.c_str());
        return e;
      }
      p += w;
      left -= static_cast<size_t>(w);
    }
    if (auto s = fsync_fd(fd.get(), tmp); !s) {
      ::unlink(tmp.c_str());
      return s;
    }
  }
  Status moved = ok_status();
  if (policy == Overwrite::kNever) {
    moved = rename_noreplace(tmp, path);
  } else if (::rename(tmp.c_str(), path.c_str()) != 0) {
    moved = Error::from_errno(errno, "cannot rename into place", path);
  }
  if (!moved) {
    ::unlink(tmp.c_str());
    if (moved.error().code == ErrorCode::kExists) return Error{ErrorCode::kExists, "file exists, not overwriting", path};
    return moved;
  }
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  return fsync_path(dir);
}

}  // namespace tagforge
