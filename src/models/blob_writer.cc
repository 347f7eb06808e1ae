#include "models/blob_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include "core/fs_ops.h"

namespace tagforge {

namespace {
constexpr size_t kPiece = 4 << 20;  // bytes handed to the thread at a time
constexpr size_t kQueued = 4;       // pieces that may wait: 16 MiB in flight at most
}  // namespace

BlobWriter::BlobWriter(int fd, std::filesystem::path path, FileDigest* digest)
    : fd_(fd), path_(std::move(path)), digest_(digest), written_(::lseek(fd, 0, SEEK_CUR)), thread_([this] { run(); }) {
  filling_.reserve(kPiece);
}

BlobWriter::~BlobWriter() {
  (void)drain();
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void BlobWriter::run() {
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    changed_.wait(lk, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stop_
    std::string piece = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    const bool failed = error_.has_value();
    lk.unlock();
    std::optional<Error> error;
    if (!failed) {
      digest_->update(piece);
      if (Status st = write_all_fd(fd_, piece, path_); !st.ok()) {
        error = st.error();
      } else {
        // Start the disk on it now; the fsync at the end then finds little left.
        ::sync_file_range(fd_, written_, off_t(piece.size()), SYNC_FILE_RANGE_WRITE);
        written_ += off_t(piece.size());
      }
    }
    piece.clear();
    lk.lock();
    if (error && !error_) error_ = std::move(error);
    spare_.push_back(std::move(piece));
    busy_ = false;
    changed_.notify_all();
  }
}

void BlobWriter::hand_over() {
  std::unique_lock<std::mutex> lk(mu_);
  changed_.wait(lk, [&] { return queue_.size() < kQueued || error_.has_value(); });
  queue_.push_back(std::move(filling_));
  if (!spare_.empty()) {
    filling_ = std::move(spare_.back());
    spare_.pop_back();
  } else {
    filling_ = std::string();
    filling_.reserve(kPiece);
  }
  changed_.notify_all();
}

bool BlobWriter::append(const char* data, size_t n) {
  filling_.append(data, n);
  if (filling_.size() >= kPiece) hand_over();
  std::lock_guard<std::mutex> lk(mu_);
  return !error_.has_value();
}

Status BlobWriter::drain() {
  if (!filling_.empty()) hand_over();
  std::unique_lock<std::mutex> lk(mu_);
  changed_.wait(lk, [&] { return queue_.empty() && !busy_; });
  if (error_) return *error_;
  return ok_status();
}

Status BlobWriter::restart(FileDigest fresh) {
  TF_RETURN_IF_ERROR(drain());
  if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) != 0) {
    return Error::from_errno(errno, "cannot empty", path_);
  }
  written_ = 0;
  *digest_ = std::move(fresh);
  return ok_status();
}

}  // namespace tagforge
