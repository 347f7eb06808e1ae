// Carrying out a journal forwards (a sort, or finishing an interrupted one)
// and backwards (undo). Both read the disk to see how far things got, so
// running either again after a crash at any instant finishes the job.
#pragma once

#include <filesystem>
#include <functional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "core/dir_handles.h"
#include "core/journal.h"
#include "tagforge/progress.h"
#include "tagforge/scan.h"

namespace tagforge {

struct JournalRoots {
  std::filesystem::path source;
  std::filesystem::path dest;
};

// The source is the folder holding .tagforge/journals/<journal>, wherever it
// has been moved since; the destination is the source when sorting was in
// place, else the absolute path in the header.
JournalRoots journal_roots(const JournalContents& c, const std::filesystem::path& journal_path);

struct ForwardStats {
  uint64_t moved = 0, linked = 0, copied = 0, already = 0, removed_dirs = 0;
  std::vector<ScanNote> failures;  // path relative to the source root
  double move_seconds = 0, finish_seconds = 0;  // the moves; sync and folder clean-up
};

// Carries out moves forwards, one batch after another, then finishes: the
// sorter feeds it batches as it plans them; run_forward() feeds it a whole
// journal. Moves already done (a rerun after a crash) count as `already`.
class ForwardRun {
 public:
  ForwardRun(const JournalRoots& roots, ProgressSink* progress)
      : roots_(roots), progress_(progress), from_dirs_(roots.source), to_dirs_(roots.dest) {}

  Status make_dirs(std::span<const std::string> mkdirs);
  void move(std::span<const JournalMove> moves, ForwardStats& stats);
  // After the last move: makes the moves durable, removes the source folders
  // they emptied (journaling them first, unless `rmdirs` already lists them)
  // and appends END.
  Status finish(JournalWriter& w, const std::vector<JournalDir>& rmdirs, ForwardStats& stats);

 private:
  JournalRoots roots_;
  ProgressSink* progress_;
  DirHandles from_dirs_, to_dirs_;
  std::set<std::string, std::greater<>> moved_from_;  // source folders files left
};

// REQUIRES: c.started(), !c.undo_started. Makes the bucket folders, does
// every move not yet done, removes source folders the moves emptied (after
// journaling them), and appends END.
Status run_forward(const JournalContents& c, JournalWriter& w, const JournalRoots& roots, ProgressSink* progress,
                   ForwardStats& stats);

struct UndoStats {
  uint64_t restored = 0, removed_copies = 0, already = 0, recreated_dirs = 0;
  std::vector<ScanNote> failures;
};

// REQUIRES: c.started(). Appends UNDO_START, puts every file back,
// recreates removed folders, removes the bucket folders it made (if empty),
// and appends UNDONE.
Status run_undo(const JournalContents& c, JournalWriter& w, const JournalRoots& roots, ProgressSink* progress,
                UndoStats& stats);

}  // namespace tagforge
