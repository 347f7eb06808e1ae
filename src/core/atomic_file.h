// Writing a whole file so that readers see the old bytes or the new ones,
// never a mix, even across a crash: temporary name, fsync, rename, fsync dir.
#pragma once

#include <filesystem>
#include <string_view>

#include "tagforge/error.h"

namespace tagforge {

enum class Overwrite { kNever, kReplace };

// Writes `data` to `path` atomically. With Overwrite::kNever an existing
// `path` is an error (kExists) and is left untouched; with kReplace the new
// file keeps the old one's permission bits.
Status write_file_atomic(const std::filesystem::path& path, std::string_view data,
                         Overwrite policy = Overwrite::kNever);

// The same for a file written piece by piece (a metadata file of a million
// lines need not sit in memory): append() to a temporary, commit() makes it
// `path` (replacing it). Dropped without commit(), the temporary goes.
class AtomicFileWriter {
 public:
  static Result<AtomicFileWriter> open(const std::filesystem::path& path);
  AtomicFileWriter(AtomicFileWriter&& other) noexcept;
  ~AtomicFileWriter();
  Status append(std::string_view data);
  Status commit();

 private:
  AtomicFileWriter(std::filesystem::path path, std::string tmp, int fd) : path_(std::move(path)), tmp_(std::move(tmp)), fd_(fd) {}
  std::filesystem::path path_;
  std::string tmp_;
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace tagforge
