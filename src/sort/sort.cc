// sort_tree: lock, finish an interrupted sort, scan, plan, journal, move.
#include <sys/stat.h>

#include <chrono>
#include <ctime>
#include <memory>

#include "core/journal.h"
#include "core/path_text.h"
#include "sort/journal_replay.h"
#include "sort/plan.h"
#include "sort/state_dir.h"
#include "tagforge/sort.h"

namespace tagforge {
namespace {

namespace fs = std::filesystem;

bool is_inside(const fs::path& child, const fs::path& parent) {
  return child.native().size() > parent.native().size() && child.native().rfind(parent.native() + "/", 0) == 0;
}

// Finishes the latest journal of `source` if a crash cut it short.
Status resume_interrupted(const fs::path& source, SortReport& report, ProgressSink* progress) {
  auto journals = list_journals(source);
  if (journals.empty()) return ok_status();
  const fs::path& latest = journals.back();
  auto c = read_journal(latest);
  if (!c) return c.error();
  if (!c->plan_complete) {
    // Killed while writing the plan: nothing was moved; the plan is void.
    std::error_code ec;
    fs::remove(latest, ec);
    return ok_status();
  }
  if (c->undo_started && !c->undone) {
    return Error{ErrorCode::kConflict,
                 "an undo of this folder was interrupted; run `tagforge undo` on it to finish it first", latest};
  }
  if (c->finished || c->undone) return ok_status();
  auto w = JournalWriter::reopen(latest);
  if (!w) return w.error();
  ForwardStats stats;
  TF_RETURN_IF_ERROR(run_forward(*c, *w, journal_roots(*c, latest), progress, stats));
  report.resumed = true;
  report.resumed_moves = stats.moved + stats.linked + stats.copied;
  for (auto& f : stats.failures) report.failures.push_back(std::move(f));
  return ok_status();
}

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

}  // namespace

Result<SortReport> sort_tree(const fs::path& dir, const SortOptions& opt) {
  const auto t0 = Clock::now();
  std::error_code ec;
  const fs::path source = fs::canonical(dir, ec);
  if (ec || !fs::is_directory(source)) return Error{ErrorCode::kNotFound, "not a folder", dir};
  const fs::path dest = opt.dest.empty() ? source : fs::weakly_canonical(fs::absolute(opt.dest), ec);
  if (ec) return Error{ErrorCode::kInvalidInput, "bad destination: " + ec.message(), opt.dest};
  if (fs::exists(dest) && !fs::is_directory(dest)) return Error{ErrorCode::kInvalidInput, "destination is not a folder", dest};

  SortReport report;
  report.source = source;
  report.dest = dest;
  std::optional<UniqueFd> lock;
  if (!opt.dry_run) {
    auto l = lock_state_dir(source);
    if (!l) return l.error();
    lock.emplace(std::move(*l));
    TF_RETURN_IF_ERROR(resume_interrupted(source, report, opt.progress));
  }

  ScanOptions scan_opt = opt.scan;
  scan_opt.progress = opt.progress;
  if (dest != source && is_inside(dest, source)) scan_opt.exclude.push_back(dest);
  const auto t_scan = Clock::now();
  auto scan = std::make_unique<Result<ScanResult>>(scan_tree(source, scan_opt));
  if (!scan->ok()) return scan->error();
  report.counts = (*scan)->counts();
  report.items = (*scan)->items.size();

  const auto t_plan = Clock::now();
  report.phases.scan = seconds_between(t_scan, t_plan);
  auto plan = plan_sort(**scan, dest, opt);
  if (!plan) return plan.error();
  report.phases.plan = seconds_between(t_plan, Clock::now());
  report.notes = std::move((*scan)->notes);
  scan.reset();  // the plan holds all that is needed; keep memory flat
  report.items_in_place = plan->items_in_place;
  report.renamed = plan->renamed;
  report.planned_files = plan->moves.size();
  report.buckets = std::move(plan->buckets);

  if (opt.dry_run) {
    for (const auto& m : plan->moves) {
      report.plan.push_back(printable_path(m.src) + " -> " + printable_path((dest / m.dst).lexically_relative(source).native()));
    }
  } else if (!plan->moves.empty()) {
    TF_RETURN_IF_ERROR(make_directories(dest));
    JournalContents c;
    c.header.command = "sort";
    c.header.source_root = source.native();
    c.header.dest_root = dest.native();
    c.header.in_place = dest == source;
    c.header.created_unix = static_cast<int64_t>(std::time(nullptr));
    c.mkdirs = std::move(plan->mkdirs);
    c.moves = std::move(plan->moves);
    c.plan_complete = true;

    const auto t_journal = Clock::now();
    report.journal = next_journal_path(source);
    auto w = JournalWriter::create(report.journal);
    if (!w) return w.error();
    w->add_header(c.header);
    for (const auto& d : c.mkdirs) w->add_mkdir(d);
    for (const auto& m : c.moves) w->add_move(m);
    w->add_plan_end(c.moves.size());
    // The one fsync that makes every move below recoverable.
    TF_RETURN_IF_ERROR(w->sync());

    report.phases.journal = seconds_between(t_journal, Clock::now());

    ForwardStats stats;
    TF_RETURN_IF_ERROR(run_forward(c, *w, journal_roots(c, report.journal), opt.progress, stats));
    report.phases.moves = stats.move_seconds;
    report.phases.finish = stats.finish_seconds;
    report.moved = stats.moved;
    report.linked = stats.linked;
    report.copied = stats.copied;
    report.removed_dirs = stats.removed_dirs;
    for (auto& f : stats.failures) report.failures.push_back(std::move(f));
  }
  report.seconds = seconds_between(t0, Clock::now());
  return report;
}

}  // namespace tagforge
