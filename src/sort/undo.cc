// undo_sort: find the journal, lock its folder, run it backwards.
#include <chrono>

#include "core/journal.h"
#include "sort/journal_replay.h"
#include "sort/state_dir.h"
#include "tagforge/sort.h"

namespace tagforge {
namespace {

namespace fs = std::filesystem;

// The latest journal of `root` whose sort happened and is not undone.
Result<fs::path> latest_undoable(const fs::path& root) {
  auto all = list_journals(root);
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    auto c = read_journal(*it);
    if (!c) return c.error();
    if (c->started() && !c->undone) return *it;
  }
  return Error{ErrorCode::kNotFound, "no sort to undo here (no journal in .tagforge/journals that is not undone)", root};
}

}  // namespace

Result<UndoReport> undo_sort(const fs::path& target, ProgressSink* progress) {
  const auto t0 = std::chrono::steady_clock::now();
  std::error_code ec;
  const fs::path abs = fs::canonical(target, ec);
  if (ec) return Error{ErrorCode::kNotFound, "no such folder or journal", target};
  fs::path journal;
  if (fs::is_directory(abs)) {
    auto j = latest_undoable(abs);
    if (!j) return j.error();
    journal = *j;
  } else {
    journal = abs;
  }
  auto c = read_journal(journal);
  if (!c) return c.error();
  const JournalRoots roots = journal_roots(*c, journal);
  auto lock = lock_state_dir(roots.source);
  if (!lock) return lock.error();

  UndoReport report;
  report.journal = journal;
  if (!c->started() || c->undone) {
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return report;  // nothing happened, or already undone
  }
  auto w = JournalWriter::reopen(journal);
  if (!w) return w.error();
  UndoStats s;
  TF_RETURN_IF_ERROR(run_undo(*c, *w, roots, progress, s));
  report.restored = s.restored;
  report.removed_copies = s.removed_copies;
  report.already = s.already;
  report.recreated_dirs = s.recreated_dirs;
  report.failures = std::move(s.failures);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace tagforge
