// File-system operations with the guarantees the sorter and the journal rely
// on: nothing is overwritten, durable copies, errors as values.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "tagforge/error.h"
#include "tagforge/item.h"

namespace tagforge {

namespace fs = std::filesystem;

// A file descriptor that closes itself.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { int f = fd_; fd_ = -1; return f; }

 private:
  int fd_ = -1;
};

// What lstat says, without following a symlink.
enum class NodeType { kMissing, kFile, kDirectory, kSymlink, kOther };
struct NodeInfo {
  NodeType type = NodeType::kMissing;
  uint64_t size = 0;
  dev_t dev = 0;
  ino_t ino = 0;
  mode_t mode = 0;
};
Result<NodeInfo> stat_node(const fs::path& path);

// rename(2) that fails with kExists instead of replacing `to`. Falls back to
// link + unlink on file systems without RENAME_NOREPLACE. Fails with errno
// EXDEV (code kIo, `cross_device` set) when the two are on different devices.
Status rename_noreplace(const fs::path& from, const fs::path& to, bool* cross_device = nullptr);

// Copies `from` to `to` durably: into `to` + kPartSuffix, fsync, compare the
// bytes with the source, then rename (no replace) to `to` and fsync its dir.
// Never leaves a partial file under the final name.
inline constexpr const char* kPartSuffix = ".tfpart";
Status copy_file_durable(const fs::path& from, const fs::path& to);

// Moves a file across devices: copy_file_durable, then unlink the source.
Status move_across_devices(const fs::path& from, const fs::path& to);

// Makes `to` a hard link of `from` (a copy when `copy`, across devices, or
// where links are refused), replacing what is there atomically through the
// temporary ".tagforge-link-NAME" beside it (where nothing is there, the link is
// made under its own name: one system call). Nothing is done when `to`
// already is that file (the same inode; for a copy, the same size and
// modification time, which the copy is given). `changed` may be null.
// `from_stamp`, when the caller has just stat'ed `from`: a `to` with the same
// stamp is taken as that file without a second look at `from`.
inline constexpr const char* kLinkTempPrefix = ".tagforge-link-";
Status link_replacing(const fs::path& from, const fs::path& to, bool copy, bool* changed = nullptr,
                      const FileStamp* from_stamp = nullptr);

// A file's stamp (tagforge/item.h) from its stat.
FileStamp stamp_of(const struct stat& st);
// "size:mtime_ns:inode", as the manifest keeps stamps.
std::string stamp_text(const FileStamp& stamp);

// True when both files exist and hold the same bytes.
Result<bool> same_contents(const fs::path& a, const fs::path& b);

// The whole file. Errors say "cannot open WHAT" / "cannot read WHAT" with
// the path and errno, e.g. read_whole_file(p, "journal").
Result<std::string> read_whole_file(const fs::path& path, std::string_view what);

// True when `path` is a regular file holding exactly `bytes`; false when it is not
// there, is something else, or differs. Its size is compared before it is read.
bool file_holds(const fs::path& path, std::string_view bytes);

Status fsync_path(const fs::path& path);  // a file or directory
// write(2) until all of `data` is written (EINTR retried); errors name the path.
Status write_all_fd(int fd, std::string_view data, const fs::path& path_for_errors);
Status fsync_fd(int fd, const fs::path& path_for_errors);

// mkdir that treats an existing directory as success.
Status make_directory(const fs::path& path, mode_t mode = 0777);
// Creates every missing parent, like mkdir -p.
Status make_directories(const fs::path& path);

}  // namespace tagforge
