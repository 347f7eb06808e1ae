// Walking a directory tree without following symlinks.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tagforge/error.h"
#include "tagforge/progress.h"
#include "tagforge/scan.h"

namespace tagforge {

struct WalkedDir {
  std::string path;                // relative to the root; "" is the root
  std::vector<std::string> files;  // regular files, natural order
};

struct WalkResult {
  std::vector<WalkedDir> dirs;     // parents before children, siblings in natural order
  std::vector<std::string> symlinks;
  std::vector<std::string> special;  // FIFOs, sockets, devices
  std::vector<ScanNote> notes;       // unreadable folders and the like
  uint64_t unreadable_dirs = 0;
};

// Lists `root`. `root_fd` is an open descriptor of it. Subtrees in `exclude`
// (absolute) and the root's ".tagforge" are skipped; symlinks are recorded,
// never followed; an unreadable folder is a note and the walk goes on.
Result<WalkResult> walk_tree(int root_fd, const std::filesystem::path& root,
                             const std::vector<std::filesystem::path>& exclude, ProgressSink* progress);

// The same walk one folder at a time, for trees too big to hold: `visit` gets
// each folder as soon as it is listed, in the order of walk_tree's dirs; the
// symlinks, special files and notes collect in `rest` (its dirs stay empty).
// An error from `visit` stops the walk and is returned. `sort_files`: each folder's files
// in natural order (else as the folder lists them; the folders keep their order).
Status walk_folders(int root_fd, const std::filesystem::path& root, const std::vector<std::filesystem::path>& exclude,
                    ProgressSink* progress, WalkResult& rest, const std::function<Status(WalkedDir&&)>& visit,
                    bool sort_files = true);

inline constexpr const char* kStateDirName = ".tagforge";

}  // namespace tagforge
