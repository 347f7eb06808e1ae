// One writer per output folder: `run`, `merge` and the review page's saves take
// OUT/.tagforge/run.lock (flock, released when the process ends however it ends).
//
// The lock file also says whether its last holder finished: a holder calls
// writing() before it makes its first temporary and finished() when it has
// none left. A process killed in between leaves "writing" behind, and the next
// holder sweeps the temporaries (sweep_leftovers) — a walk of every file, which
// a run after a clean one skips.
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string_view>
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
    OutputLock lock(fd, file);
    char said[16] = {};
    const ssize_t n = ::pread(fd, said, sizeof said, 0);
    // Anything but the word a clean end writes (an empty file of an older version too) may hide leftovers.
    lock.left_unfinished_ = n < 0 || std::string_view(said, size_t(n)) != kFinished;
    return lock;
  }
  OutputLock(OutputLock&& o) noexcept
      : fd_(std::exchange(o.fd_, -1)), file_(std::move(o.file_)), left_unfinished_(o.left_unfinished_),
        writing_(o.writing_) {}
  OutputLock(const OutputLock&) = delete;
  ~OutputLock() {
    if (fd_ >= 0) ::close(fd_);
  }

  // Whether the last holder may have left temporaries (it was killed, or never said it finished).
  bool left_unfinished() const { return left_unfinished_; }

  // Before the first temporary: on disk before it, so that no crash can hide one.
  Status writing() {
    if (writing_) return ok_status();
    if (!say(kWriting) || ::fdatasync(fd_) != 0) return Error::from_errno(errno, "cannot write the run lock", file_);
    writing_ = true;
    return ok_status();
  }
  // No temporary is left: the next holder need not sweep. (Unsynced: if it is lost, the next one sweeps.)
  void finished() {
    if (say(kFinished)) writing_ = false;
  }

 private:
  static constexpr std::string_view kWriting = "writing\n", kFinished = "finished\n";
  OutputLock(int fd, std::filesystem::path file) : fd_(fd), file_(std::move(file)) {}
  bool say(std::string_view word) {
    return ::pwrite(fd_, word.data(), word.size(), 0) == ssize_t(word.size()) && ::ftruncate(fd_, off_t(word.size())) == 0;
  }

  int fd_ = -1;
  std::filesystem::path file_;
  bool left_unfinished_ = true;
  bool writing_ = false;
};

}  // namespace tagforge
