#include "scan/walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tbb/parallel_sort.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/fs_ops.h"
#include "core/natural_order.h"

namespace tagforge {
namespace {

std::string join(const std::string& dir, const char* name) {
  if (dir.empty()) return name;
  return dir + "/" + name;
}

bool is_excluded(const std::filesystem::path& abs, const std::vector<std::filesystem::path>& exclude) {
  for (const auto& e : exclude) {
    if (abs == e) return true;
  }
  return false;
}

}  // namespace

Result<WalkResult> walk_tree(int root_fd, const std::filesystem::path& root,
                             const std::vector<std::filesystem::path>& exclude, ProgressSink* progress) {
  WalkResult out;
  TF_RETURN_IF_ERROR(walk_folders(root_fd, root, exclude, progress, out, [&](WalkedDir&& d) {
    out.dirs.push_back(std::move(d));
    return ok_status();
  }));
  return out;
}

Status walk_folders(int root_fd, const std::filesystem::path& root, const std::vector<std::filesystem::path>& exclude,
                    ProgressSink* progress, WalkResult& out, const std::function<Status(WalkedDir&&)>& visit,
                    bool sort_files) {
  // Depth-first with an explicit stack: deep trees do not grow the C stack.
  std::vector<std::string> stack{""};
  while (!stack.empty()) {
    std::string rel = std::move(stack.back());
    stack.pop_back();
    int fd = rel.empty() ? ::dup(root_fd)
                         : ::openat(root_fd, rel.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      if (rel.empty()) return Error::from_errno(errno, "cannot read folder", root);
      out.notes.push_back({rel, std::string("cannot read folder: ") + std::strerror(errno)});
      ++out.unreadable_dirs;
      continue;
    }
    DIR* d = ::fdopendir(fd);
    if (!d) {
      ::close(fd);
      out.notes.push_back({rel, std::string("cannot read folder: ") + std::strerror(errno)});
      ++out.unreadable_dirs;
      continue;
    }
    WalkedDir wd;
    wd.path = rel;
    std::vector<std::string> subdirs;
    errno = 0;
    while (dirent* e = ::readdir(d)) {
      const char* name = e->d_name;
      if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
      unsigned char type = e->d_type;
      if (type == DT_UNKNOWN) {
        struct stat st;
        if (::fstatat(::dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
          out.notes.push_back({join(rel, name), std::string("cannot stat: ") + std::strerror(errno)});
          continue;
        }
        type = S_ISREG(st.st_mode) ? DT_REG : S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : DT_FIFO;
      }
      if (type == DT_REG) {
        wd.files.emplace_back(name);
        if (progress) progress->advance();
      } else if (type == DT_DIR) {
        if (rel.empty() && std::strcmp(name, kStateDirName) == 0) continue;
        std::string child = join(rel, name);
        if (!exclude.empty() && is_excluded(root / child, exclude)) continue;
        subdirs.push_back(std::move(child));
      } else if (type == DT_LNK) {
        out.symlinks.push_back(join(rel, name));
      } else {
        out.special.push_back(join(rel, name));
      }
      errno = 0;
    }
    if (errno != 0) {
      out.notes.push_back({rel, std::string("error while listing folder: ") + std::strerror(errno)});
    }
    ::closedir(d);
    // Parallel: a million names in one folder is a real sort.
    if (sort_files) {
      tbb::parallel_sort(wd.files.begin(), wd.files.end(), [](const std::string& a, const std::string& b) { return natural_less(a, b); });
    }
    // Pushed in reverse so that siblings come off the stack in natural order.
    std::sort(subdirs.begin(), subdirs.end(), [](const std::string& a, const std::string& b) { return natural_less(b, a); });
    for (auto& s : subdirs) stack.push_back(std::move(s));
    TF_RETURN_IF_ERROR(visit(std::move(wd)));
  }
  return ok_status();
}

}  // namespace tagforge
