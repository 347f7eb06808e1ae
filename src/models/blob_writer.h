// Writes a download to disk on a thread of its own, so the socket is read
// while earlier bytes are hashed, written and handed to the disk: the pull
// goes at the network's speed or the disk's, whichever is slower, not at the
// sum of the two.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "models/file_digest.h"
#include "tagforge/error.h"

namespace tagforge {

class BlobWriter {
 public:
  // Appends to `fd` (positioned at its end) and feeds `digest`, both owned by
  // the caller and not touched by it until finish() or restart().
  BlobWriter(int fd, std::filesystem::path path, FileDigest* digest);
  ~BlobWriter();  // waits for what was handed over, then stops the thread

  // Takes a copy of the bytes; blocks while a few pieces wait to be written.
  // False once a write has failed (error() says why).
  bool append(const char* data, size_t n);
  // Waits until every byte handed over is written (or a write failed).
  Status drain();
  // drain(), then empties the file and starts `*digest` over (the server
  // sends the whole file again).
  Status restart(FileDigest fresh);

 private:
  void run();
  void hand_over();  // moves `filling_` to the queue; REQUIRES: mu_ not held

  const int fd_;
  const std::filesystem::path path_;
  FileDigest* digest_;
  std::string filling_;  // the piece the caller is filling
  off_t written_ = 0;    // bytes of the file on disk, as this writer knows it

  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::string> queue_;     // GUARDED_BY(mu_)
  std::vector<std::string> spare_;    // GUARDED_BY(mu_): emptied pieces to reuse
  bool busy_ = false;                 // GUARDED_BY(mu_): the thread holds a piece
  bool stop_ = false;                 // GUARDED_BY(mu_)
  std::optional<Error> error_;        // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace tagforge
