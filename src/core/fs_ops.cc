#include "core/fs_ops.h"

#include "core/fault_injection.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace tagforge {

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

Result<NodeInfo> stat_node(const fs::path& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return NodeInfo{};
    return Error::from_errno(errno, "cannot stat", path);
  }
  NodeInfo info;
  if (S_ISREG(st.st_mode)) info.type = NodeType::kFile;
  else if (S_ISDIR(st.st_mode)) info.type = NodeType::kDirectory;
  else if (S_ISLNK(st.st_mode)) info.type = NodeType::kSymlink;
  else info.type = NodeType::kOther;
  info.size = static_cast<uint64_t>(st.st_size);
  info.dev = st.st_dev;
  info.ino = st.st_ino;
  info.mode = st.st_mode & 07777;
  return info;
}

Status rename_noreplace(const fs::path& from, const fs::path& to, bool* cross_device) {
  if (cross_device) *cross_device = false;
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
    return ok_status();
  }
  int err = errno;
  if (err == EINVAL || err == ENOSYS) {
    // No RENAME_NOREPLACE here: link() refuses an existing target atomically.
    if (::link(from.c_str(), to.c_str()) != 0) {
      err = errno;
    } else {
      if (::unlink(from.c_str()) != 0) return Error::from_errno(errno, "cannot unlink after link", from);
      return ok_status();
    }
  }
  if (err == EXDEV && cross_device) *cross_device = true;
  if (err == EEXIST) return Error{ErrorCode::kExists, "target exists, not replacing: " + to.string(), from};
  return Error::from_errno(err, "cannot rename to " + to.string(), from);
}

Result<std::string> read_whole_file(const fs::path& path, std::string_view what) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Error::from_errno(errno, "cannot open " + std::string(what), path);
  std::string data;
  struct stat st;
  if (::fstat(fd.get(), &st) == 0 && st.st_size > 0) data.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    ssize_t r = ::read(fd.get(), buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno(errno, "cannot read " + std::string(what), path);
    }
    if (r == 0) break;
    data.append(buf, static_cast<size_t>(r));
  }
  return data;
}

bool file_holds(const fs::path& path, std::string_view bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  if (static_cast<uint64_t>(st.st_size) != bytes.size()) return false;
  std::string data(bytes.size(), '\0');
  size_t got = 0;
  while (got < data.size()) {
    const ssize_t r = ::read(fd.get(), data.data() + got, data.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return data == bytes;
}

Status fsync_fd(int fd, const fs::path& path_for_errors) {
  if (::fsync(fd) != 0) return Error::from_errno(errno, "fsync failed", path_for_errors);
  return ok_status();
}

Status fsync_path(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Error::from_errno(errno, "cannot open for fsync", path);
  return fsync_fd(fd.get(), path);
}

Status write_all_fd(int fd, std::string_view data, const fs::path& path_for_errors) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t w = ::write(fd, p, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno(errno, "write failed", path_for_errors);
    }
    p += w;
    left -= static_cast<size_t>(w);
  }
  return ok_status();
}

namespace {

// Reads up to n bytes; returns how many (fewer only at end of file).
Result<size_t> read_full(int fd, char* data, size_t n, const fs::path& path) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, data + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno(errno, "read failed", path);
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return got;
}

}  // namespace

Result<bool> same_contents(const fs::path& a, const fs::path& b) {
  UniqueFd fa(::open(a.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fa.valid()) return Error::from_errno(errno, "cannot open", a);
  UniqueFd fb(::open(b.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fb.valid()) return Error::from_errno(errno, "cannot open", b);
  std::vector<char> ba(1 << 16), bb(1 << 16);
  for (;;) {
    auto ra = read_full(fa.get(), ba.data(), ba.size(), a);
    if (!ra) return ra.error();
    auto rb = read_full(fb.get(), bb.data(), bb.size(), b);
    if (!rb) return rb.error();
    if (*ra != *rb || std::memcmp(ba.data(), bb.data(), *ra) != 0) return false;
    if (*ra == 0) return true;
  }
}

Status copy_file_durable(const fs::path& from, const fs::path& to) {
  const fs::path part = fs::path(to.native() + kPartSuffix);
  {
    UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in.valid()) return Error::from_errno(errno, "cannot open", from);
    struct stat st;
    if (::fstat(in.get(), &st) != 0) return Error::from_errno(errno, "cannot stat", from);
    ::unlink(part.c_str());  // a leftover of an interrupted copy
    UniqueFd out(::open(part.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777));
    if (!out.valid()) return Error::from_errno(errno, "cannot create", part);
    std::vector<char> buf(1 << 16);
    for (;;) {
      auto r = read_full(in.get(), buf.data(), buf.size(), from);
      if (!r) return r.error();
      if (*r == 0) break;
      TF_RETURN_IF_ERROR(write_all_fd(out.get(), std::string_view(buf.data(), *r), part));
    }
    TF_RETURN_IF_ERROR(fsync_fd(out.get(), part));
  }
  auto same = same_contents(from, part);
  if (!same) return same.error();
  if (!*same) {
    ::unlink(part.c_str());
    return Error{ErrorCode::kIo, "copy verification failed: bytes differ after copying", from};
  }
  TF_RETURN_IF_ERROR(rename_noreplace(part, to));
  return fsync_path(to.parent_path());
}

Status move_across_devices(const fs::path& from, const fs::path& to) {
  TF_RETURN_IF_ERROR(copy_file_durable(from, to));
  if (::unlink(from.c_str()) != 0) return Error::from_errno(errno, "copied, but cannot remove source", from);
  return ok_status();
}

Status make_directory(const fs::path& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) == 0) return ok_status();
  int err = errno;
  if (err == EEXIST) {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return ok_status();
    return Error{ErrorCode::kExists, "exists and is not a directory", path};
  }
  return Error::from_errno(err, "cannot create directory", path);
}

Status make_directories(const fs::path& path) {
  if (path.empty()) return ok_status();
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return ok_status();
    return Error{ErrorCode::kExists, "exists and is not a directory", path};
  }
  if (path.has_parent_path() && path.parent_path() != path) {
    TF_RETURN_IF_ERROR(make_directories(path.parent_path()));
  }
  return make_directory(path);
}

FileStamp stamp_of(const struct stat& st) {
  return FileStamp{uint64_t(st.st_size), int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
                   uint64_t(st.st_ino)};
}

std::string stamp_text(const FileStamp& s) {
  return std::to_string(s.size) + ":" + std::to_string(s.mtime_ns) + ":" + std::to_string(s.ino);
}

Status link_replacing(const fs::path& from, const fs::path& to, bool copy, bool* changed, const FileStamp* from_stamp) {
  if (changed) *changed = false;
  struct stat a {}, b {};
  const bool there = ::stat(to.c_str(), &b) == 0;
  if (there && from_stamp && from_stamp->ino != 0 && stamp_of(b) == *from_stamp) return ok_status();
  if (!there && !copy && ::link(from.c_str(), to.c_str()) == 0) {
    // Nothing to replace: the link is made under its own name, whole at once. (When that
    // fails (no folder yet, another device, a name that appeared), the way below finds out.)
    crash_point();
    if (changed) *changed = true;
    return ok_status();
  }
  if (::stat(from.c_str(), &a) != 0) return Error::from_errno(errno, "cannot stat", from);
  if (there) {
    if (a.st_dev == b.st_dev && a.st_ino == b.st_ino) return ok_status();
    if (copy && a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
        a.st_mtim.tv_nsec == b.st_mtim.tv_nsec) {
      return ok_status();
    }
  }
  TF_RETURN_IF_ERROR(make_directories(to.parent_path()));
  const fs::path temp = to.parent_path() / (kLinkTempPrefix + to.filename().string());
  ::unlink(temp.c_str());
  if (copy || ::link(from.c_str(), temp.c_str()) != 0) {
    if (!copy && errno != EXDEV && errno != EPERM && errno != EMLINK) {
      return Error::from_errno(errno, "cannot link " + to.string() + " to", from);
    }
    TF_RETURN_IF_ERROR(copy_file_durable(from, temp));
    const struct timespec times[2] = {a.st_atim, a.st_mtim};  // so the next call sees the same file
    ::utimensat(AT_FDCWD, temp.c_str(), times, 0);
  }
  crash_point();
  if (::rename(temp.c_str(), to.c_str()) != 0) {
    Error e = Error::from_errno(errno, "cannot rename into place", to);
    ::unlink(temp.c_str());
    return e;
  }
  crash_point();
  if (changed) *changed = true;
  return ok_status();
}

}  // namespace tagforge
