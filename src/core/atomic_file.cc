#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <string>
#include <utility>

#include "core/fs_ops.h"

namespace tagforge {

namespace {

std::string temp_name(const std::filesystem::path& path) {
  std::random_device rd;
  return path.native() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rd());
}

}  // namespace

Result<AtomicFileWriter> AtomicFileWriter::open(const std::filesystem::path& path) {
  std::string tmp = temp_name(path);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Error::from_errno(errno, "cannot create temporary file", tmp);
  return AtomicFileWriter(path, std::move(tmp), fd);
}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& o) noexcept
    : path_(std::move(o.path_)), tmp_(std::move(o.tmp_)), fd_(std::exchange(o.fd_, -1)), buffer_(std::move(o.buffer_)) {}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
  }
}

Status AtomicFileWriter::append(std::string_view data) {
  buffer_.append(data);
  if (buffer_.size() < (1 << 20)) return ok_status();
  Status st = write_all_fd(fd_, buffer_, tmp_);
  buffer_.clear();
  return st;
}

Status AtomicFileWriter::commit() {
  TF_RETURN_IF_ERROR(write_all_fd(fd_, buffer_, tmp_));
  buffer_.clear();
  TF_RETURN_IF_ERROR(fsync_fd(fd_, tmp_));
  ::close(std::exchange(fd_, -1));
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    Error e = Error::from_errno(errno, "cannot rename into place", path_);
    ::unlink(tmp_.c_str());
    return e;
  }
  return fsync_path(path_.has_parent_path() ? path_.parent_path() : std::filesystem::path("."));
}

Status write_file_atomic(const std::filesystem::path& path, std::string_view data, Overwrite policy) {
  const std::string tmp = temp_name(path);
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd.valid()) return Error::from_errno(errno, "cannot create temporary file", tmp);
    // A replaced file keeps its permissions (a private tag file stays private).
    struct stat old;
    if (policy == Overwrite::kReplace && ::stat(path.c_str(), &old) == 0) (void)::fchmod(fd.get(), old.st_mode & 07777);
    if (Status st = write_all_fd(fd.get(), data, tmp); !st.ok()) {
      ::unlink(tmp.c_str());
      return st;
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
