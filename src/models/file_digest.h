// The digests a hub file is checked against: its sha256 (an LFS file's ETag,
// the catalogue's pins, the lock file) and, for a small file the hub keeps in
// git, the git blob id its ETag is (sha1 of "blob SIZE\0" + the bytes).
// Fed piece by piece, so a download is hashed as it arrives.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tagforge/error.h"

namespace tagforge {

class FileDigest {
 public:
  // `git_blob_size`: the file's size when its git blob id is wanted too.
  explicit FileDigest(std::optional<uint64_t> git_blob_size = std::nullopt);
  ~FileDigest();
  FileDigest(FileDigest&&) noexcept;
  FileDigest& operator=(FileDigest&&) noexcept;

  void update(std::string_view bytes);
  // Lowercase hex. REQUIRES: called once, after the last update().
  void finish();
  const std::string& sha256() const { return sha256_; }
  const std::string& git_blob_id() const { return git_sha1_; }  // empty unless asked for

  // Hashes `file`'s first `limit` bytes (all of it by default) into this digest.
  Status update_from_file(const std::filesystem::path& file, uint64_t limit = UINT64_MAX);

 private:
  struct Contexts;
  std::unique_ptr<Contexts> c_;
  std::string sha256_, git_sha1_;
};

// True when `s` is `digits` lowercase hex digits: a sha256 (64), a git blob or
// commit id (40).
bool is_hex_digest(std::string_view s, size_t digits);

// The sha256 and (when `git_blob`) the git blob id of a whole file.
Result<FileDigest> digest_file(const std::filesystem::path& file, bool git_blob = false);

}  // namespace tagforge
