#include "sort/journal_replay.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_NOREPLACE
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <set>
#include <unordered_set>

#include "core/fault_injection.h"
#include "core/fs_ops.h"

namespace tagforge {
namespace {

namespace fs = std::filesystem;

fs::path under(const fs::path& root, const std::string& rel) { return rel.empty() ? root : root / rel; }

std::string parent_rel(const std::string& rel) {
  auto slash = rel.rfind('/');
  return slash == std::string::npos ? std::string() : rel.substr(0, slash);
}

void fail(std::vector<ScanNote>& failures, const std::string& rel, const Error& e) {
  failures.push_back({rel, e.message});
}

// Both exist: the same file (a hard link) or the same bytes?
bool duplicates(const fs::path& a, const fs::path& b) {
  auto na = stat_node(a), nb = stat_node(b);
  if (na && nb && na->dev == nb->dev && na->ino == nb->ino) return true;
  auto same = same_contents(a, b);
  return same && *same;
}

// The common case in one system call, relative to open folder handles.
bool fast_rename(const JournalMove& m, DirHandles& from_dirs, DirHandles& to_dirs) {
  const auto [from_dir, from_name] = split_parent(m.src);
  const auto [to_dir, to_name] = split_parent(m.dst);
  const int from_fd = from_dirs.get(from_dir);
  const int to_fd = to_dirs.get(to_dir);
  if (from_fd < 0 || to_fd < 0) return false;
  // The names are the tails of NUL-terminated strings.
  return ::renameat2(from_fd, from_name.data(), to_fd, to_name.data(), RENAME_NOREPLACE) == 0;
}

void forward_one(const JournalMove& m, const JournalRoots& roots, DirHandles& from_dirs, DirHandles& to_dirs,
                 ForwardStats& s) {
  // (A .tfpart left by a cut-short copy is removed by copy_file_durable.)
  crash_point();
  if (m.op == JournalOp::kMove && fast_rename(m, from_dirs, to_dirs)) {
    ++s.moved;
    crash_point();
    return;
  }
  // Everything else (no RENAME_NOREPLACE, another file system, a copy, a
  // target that exists, a rerun) takes the slow path with full paths.
  const fs::path src = under(roots.source, m.src);
  const fs::path dst = under(roots.dest, m.dst);
  bool cross = false;
  Status st = ok_status();
  if (m.op == JournalOp::kMove) {
    st = rename_noreplace(src, dst, &cross);
    if (st.ok()) { ++s.moved; crash_point(); return; }
    if (cross) {
      st = move_across_devices(src, dst);
      if (st.ok()) { ++s.moved; crash_point(); return; }
    }
  } else {
    if (::link(src.c_str(), dst.c_str()) == 0) { ++s.linked; crash_point(); return; }
    const int err = errno;
    if (err == EEXIST) {
      st = Error{ErrorCode::kExists, "target exists", src};
    } else if (err == EXDEV || err == EPERM || err == EMLINK || err == ENOTSUP) {
      st = copy_file_durable(src, dst);
      if (st.ok()) { ++s.copied; crash_point(); return; }
    } else {
      st = Error::from_errno(err, "cannot link", src);
    }
  }
  // Did an earlier, interrupted run already do it?
  auto ns = stat_node(src), nd = stat_node(dst);
  const bool has_src = ns && ns->type != NodeType::kMissing;
  const bool has_dst = nd && nd->type != NodeType::kMissing;
  if (m.op == JournalOp::kMove) {
    if (!has_src && has_dst) { ++s.already; return; }
    if (has_src && has_dst && duplicates(src, dst)) {
      // A cross-device move copied and was killed before unlinking the source.
      if (::unlink(src.c_str()) == 0) { ++s.already; return; }
    }
  } else if (has_src && has_dst && duplicates(src, dst)) {
    ++s.already;
    return;
  }
  if (!has_src && !has_dst) st = Error{ErrorCode::kNotFound, "file is gone from both its old and its new place", src};
  else if (has_dst && st.ok()) st = Error{ErrorCode::kConflict, "a different file already exists at the target", src};
  fail(s.failures, m.src, st.error());
}

// Source folders the moves emptied, deepest first, never the roots or
// anything holding them. `candidates` are the folders files left, deepest
// (reverse order) first.
std::vector<JournalDir> emptied_dirs(std::set<std::string, std::greater<>> candidates, const JournalRoots& roots) {
  std::unordered_set<std::string> removed;
  std::vector<JournalDir> out;
  while (!candidates.empty()) {
    auto it = candidates.begin();
    std::string rel = *it;
    candidates.erase(it);
    if (rel.empty()) continue;  // the source root stays
    const fs::path abs = roots.source / rel;
    if (abs == roots.dest || (roots.dest.native().rfind(abs.native() + "/", 0) == 0)) continue;
    DIR* d = ::opendir(abs.c_str());
    if (!d) continue;
    bool empty = true;
    while (dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n == "." || n == "..") continue;
      if (!removed.count(rel + "/" + std::string(n))) { empty = false; break; }
    }
    ::closedir(d);
    if (!empty) continue;
    struct stat st;
    const mode_t mode = ::stat(abs.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0755;
    out.push_back({rel, mode});
    removed.insert(rel);
    candidates.insert(parent_rel(rel));
  }
  // Deepest first: a set ordered in reverse puts "a/b" before "a".
  return out;
}

void sync_file_system(const fs::path& any_path) {
  UniqueFd fd(::open(any_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.valid()) (void)::syncfs(fd.get());
}

}  // namespace

JournalRoots journal_roots(const JournalContents& c, const fs::path& journal_path) {
  JournalRoots r;
  // <source>/.tagforge/journals/<file>
  r.source = fs::absolute(journal_path).parent_path().parent_path().parent_path();
  r.dest = c.header.in_place ? r.source : fs::path(c.header.dest_root);
  return r;
}

Status ForwardRun::make_dirs(std::span<const std::string> mkdirs) {
  for (const auto& d : mkdirs) {
    crash_point();
    TF_RETURN_IF_ERROR(make_directory(under(roots_.dest, d)));
  }
  return ok_status();
}

void ForwardRun::move(std::span<const JournalMove> moves, ForwardStats& s) {
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t since = 0;
  const std::string* last_parent = nullptr;  // most moves leave the same folder as the one before
  for (const auto& m : moves) {
    forward_one(m, roots_, from_dirs_, to_dirs_, s);
    if (m.op == JournalOp::kMove) {
      const std::string_view parent = split_parent(m.src).first;
      if (!last_parent || parent != *last_parent) last_parent = &*moved_from_.emplace(parent).first;
    }
    if (++since == 1024 && progress_) {
      progress_->advance(since);
      since = 0;
    }
  }
  if (progress_) progress_->advance(since);
  s.move_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

Status ForwardRun::finish(JournalWriter& w, const std::vector<JournalDir>& rmdirs, ForwardStats& s) {
  const auto t0 = std::chrono::steady_clock::now();
  // Make the renames durable before END says so: one syncfs per file system
  // instead of an fsync per folder (hundreds of them in a big sort).
  sync_file_system(roots_.dest);
  if (roots_.source != roots_.dest) sync_file_system(roots_.source);
  std::vector<JournalDir> gone = rmdirs.empty() ? emptied_dirs(std::move(moved_from_), roots_) : rmdirs;
  moved_from_.clear();
  if (rmdirs.empty() && !gone.empty()) {
    for (const auto& d : gone) w.add_rmdir(d);
    TF_RETURN_IF_ERROR(w.sync());
  }
  for (const auto& d : gone) {
    crash_point();
    if (::rmdir((roots_.source / d.path).c_str()) == 0) ++s.removed_dirs;
  }
  w.add_end();
  Status st = w.sync();
  s.finish_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return st;
}

Status run_forward(const JournalContents& c, JournalWriter& w, const JournalRoots& roots, ProgressSink* progress,
                   ForwardStats& s) {
  ForwardRun run(roots, progress);
  TF_RETURN_IF_ERROR(run.make_dirs(c.mkdirs));
  if (progress && !c.moves.empty()) {
    progress->begin(c.moves.front().op == JournalOp::kCopy ? "copying" : "moving", c.moves.size());
  }
  run.move(c.moves, s);
  if (progress && !c.moves.empty()) progress->end();
  return run.finish(w, c.rmdirs, s);
}

Status run_undo(const JournalContents& c, JournalWriter& w, const JournalRoots& roots, ProgressSink* progress,
                UndoStats& s) {
  if (!c.undo_started) {
    w.add_undo_start();
    TF_RETURN_IF_ERROR(w.sync());
  }
  // Folders come back first (parents before children), with their modes.
  for (auto it = c.rmdirs.rbegin(); it != c.rmdirs.rend(); ++it) {
    crash_point();
    const fs::path p = roots.source / it->path;
    if (::mkdir(p.c_str(), it->mode) == 0) {
      ::chmod(p.c_str(), it->mode);  // umask may have cut bits
      ++s.recreated_dirs;
    } else if (errno != EEXIST) {
      return Error::from_errno(errno, "cannot recreate folder", p);
    }
  }
  if (progress) progress->begin("undoing", c.moves.size());
  for (auto it = c.moves.rbegin(); it != c.moves.rend(); ++it) {
    const JournalMove& m = *it;
    const fs::path src = under(roots.source, m.src);
    const fs::path dst = under(roots.dest, m.dst);
    ::unlink((dst.native() + kPartSuffix).c_str());
    ::unlink((src.native() + kPartSuffix).c_str());
    crash_point();
    auto ns = stat_node(src), nd = stat_node(dst);
    const bool has_src = ns && ns->type != NodeType::kMissing;
    const bool has_dst = nd && nd->type != NodeType::kMissing;
    if (progress) progress->advance();
    if (m.op == JournalOp::kCopy) {
      if (!has_dst) { ++s.already; continue; }
      if (has_src && duplicates(src, dst)) {
        if (::unlink(dst.c_str()) == 0) { ++s.removed_copies; crash_point(); continue; }
        fail(s.failures, m.src, Error::from_errno(errno, "cannot remove the copy " + m.dst, src));
      } else {
        fail(s.failures, m.src, Error{ErrorCode::kConflict, "the copy " + m.dst + " was changed or its source is gone; kept", src});
      }
      continue;
    }
    if (has_src && !has_dst) { ++s.already; continue; }
    if (!has_src && !has_dst) {
      fail(s.failures, m.src, Error{ErrorCode::kNotFound, "file is gone from both " + m.dst + " and its old place", src});
      continue;
    }
    if (has_src && has_dst) {
      if (duplicates(src, dst) && ::unlink(dst.c_str()) == 0) { ++s.already; continue; }
      fail(s.failures, m.src, Error{ErrorCode::kConflict, "a different file is back at the old place; " + m.dst + " kept", src});
      continue;
    }
    (void)make_directories(src.parent_path());
    bool cross = false;
    Status st = rename_noreplace(dst, src, &cross);
    if (!st.ok() && cross) st = move_across_devices(dst, src);
    if (st.ok()) {
      ++s.restored;
      crash_point();
    } else {
      fail(s.failures, m.src, st.error());
    }
  }
  if (progress) progress->end();
  for (auto it = c.mkdirs.rbegin(); it != c.mkdirs.rend(); ++it) {
    crash_point();
    (void)::rmdir(under(roots.dest, *it).c_str());  // kept if something else is inside
  }
  (void)fsync_path(roots.source);
  // With failures the journal stays open for undo: fix them and run it again.
  if (!s.failures.empty()) return w.sync();
  w.add_undone();
  return w.sync();
}

}  // namespace tagforge
