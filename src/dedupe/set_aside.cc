#include "dedupe/set_aside.h"

#include <ctime>
#include <optional>

#include "core/journal.h"
#include "sort/journal_replay.h"
#include "sort/plan.h"
#include "sort/state_dir.h"

namespace tagforge {

namespace fs = std::filesystem;

bool in_duplicates_bucket(const std::string& rel) {
  const std::string prefix = std::string(kDuplicatesFolder) + "_";
  if (rel.rfind(prefix, 0) != 0) return false;
  size_t i = prefix.size();
  const size_t digits_from = i;
  while (i < rel.size() && rel[i] >= '0' && rel[i] <= '9') ++i;
  return i > digits_from && i < rel.size() && rel[i] == '/';
}

namespace {

// The latest journal of `root` when it was cut short (started, neither finished nor undone).
Result<std::optional<std::pair<fs::path, JournalContents>>> interrupted_journal(const fs::path& root) {
  std::optional<std::pair<fs::path, JournalContents>> none;
  const auto journals = list_journals(root);
  if (journals.empty()) return none;
  auto c = read_journal(journals.back());
  if (!c) return c.error();
  if (!c->started() || c->finished || c->undone) return none;
  return std::optional(std::make_pair(journals.back(), std::move(*c)));
}

Error unfinished_error(const fs::path& journal, const JournalContents& c) {
  if (c.header.command == "dedupe" && !c.undo_started) {
    return Error{ErrorCode::kConflict,
                 "an earlier dedupe of this folder was interrupted; `tagforge dedupe` without --dry-run finishes it, "
                 "`tagforge undo` takes it back",
                 journal};
  }
  return Error{ErrorCode::kConflict,
               "an earlier sort or undo of this folder was interrupted; run `tagforge sort` on it to finish it, "
               "or `tagforge undo` to take it back, first",
               journal};
}

}  // namespace

Status finish_interrupted_dedupe(const fs::path& dir, uint64_t* finished) {
  *finished = 0;
  auto lock = lock_state_dir(dir);
  if (!lock) return lock.error();
  auto cut = interrupted_journal(dir);
  if (!cut) return cut.error();
  if (!*cut) return ok_status();
  const auto& [path, contents] = **cut;
  if (contents.header.command != "dedupe" || contents.undo_started || !contents.plan_complete) {
    return unfinished_error(path, contents);
  }
  auto w = JournalWriter::reopen(path);
  if (!w) return w.error();
  ForwardStats stats;
  TF_RETURN_IF_ERROR(run_forward(contents, *w, journal_roots(contents, path), nullptr, stats));
  *finished = stats.moved;
  return ok_status();
}

Result<SetAsideReport> set_aside(const ScanResult& scan, const std::vector<size_t>& items, size_t bucket_size,
                                 bool dry_run) {
  SetAsideReport report;
  const fs::path& root = scan.root;
  std::optional<UniqueFd> lock;  // a dry run writes nothing, not even the lock
  if (!dry_run) {
    auto taken = lock_state_dir(root);
    if (!taken) return taken.error();
    lock.emplace(std::move(*taken));
  }
  auto cut = interrupted_journal(root);
  if (!cut) return cut.error();
  if (*cut) return unfinished_error((*cut)->first, (*cut)->second);

  // The sorter's planner, every item of the image class, the class's folder named "duplicates".
  SortOptions options;
  options.bucket_size = bucket_size;
  options.folder[static_cast<size_t>(SortClass::kImages)] = kDuplicatesFolder;
  SortPlanner planner(scan, root, options);
  std::vector<std::string> mkdirs;
  std::vector<JournalMove> moves;
  std::vector<bool> chosen(scan.items.size(), false);
  for (size_t i : items) chosen[i] = true;
  for (uint32_t i : natural_item_order(scan)) {  // the order the planner takes items in
    if (chosen[i]) planner.place(i, SortClass::kImages, mkdirs, moves);
  }
  for (const JournalMove& m : moves) report.moves.emplace_back(m.src, m.dst);
  if (dry_run || moves.empty()) return report;

  // Journaled whole before the first move: a kill leaves a plan that the next dedupe finishes or undo takes back.
  auto w = JournalWriter::create(next_journal_path(root));
  if (!w) return w.error();
  JournalHeader h;
  h.command = "dedupe";
  h.source_root = h.dest_root = root.string();
  h.in_place = true;
  h.created_unix = int64_t(std::time(nullptr));
  w->add_header(h);
  for (const std::string& d : mkdirs) w->add_mkdir(d);
  for (const JournalMove& m : moves) w->add_move(m);
  w->add_batch(moves.size());
  w->add_plan_end(moves.size());
  TF_RETURN_IF_ERROR(w->sync());
  report.journal = w->path();

  ForwardRun run(JournalRoots{root, root}, nullptr);
  ForwardStats stats;
  TF_RETURN_IF_ERROR(run.make_dirs(mkdirs));
  run.move(moves, stats);
  TF_RETURN_IF_ERROR(run.finish(*w, {}, stats));
  report.moved = stats.moved;
  report.failures = std::move(stats.failures);
  return report;
}

}  // namespace tagforge
