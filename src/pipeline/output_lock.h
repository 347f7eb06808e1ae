// One writer per output folder: `run` and `merge` take OUT/.tagforge/run.lock
// (flock, released when the process ends however it ends).
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <utility>

#include "tagforge/error.h"

namespace tagforge {

class OutputLock {
 public:
  static Result<OutputLock> take(const std::filesystem::path& file) {
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return Error::from_errno(errno, "cannot open the run lock", file);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return Error{ErrorCode::kBusy, "another tagforge run is writing this output folder", file};
    }
    return OutputLock(fd);
  }
  OutputLock(OutputLock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  OutputLock(const OutputLock&) = delete;
  ~OutputLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  explicit OutputLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace tagforge
