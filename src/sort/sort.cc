// sort_tree: lock, finish an interrupted sort, then list the tree and move
// files while later ones are still being probed.
//
// The sort is a stream in natural order: background threads probe items
// ahead, the planner places each one as soon as it is probed, and every
// `journal_batch` moves the batch is journaled (one fsync) and carried out.
// Files whose bytes decide where *other* files go are probed before the
// stream starts: possible frame sources, media sharing one sidecar, and
// files already in buckets.
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <thread>

#include "core/fault_injection.h"
#include "core/journal.h"
#include "core/path_text.h"
#include "scan/listing.h"
#include "sort/classify.h"
#include "sort/journal_replay.h"
#include "sort/plan.h"
#include "sort/probe_ahead.h"
#include "sort/state_dir.h"
#include "tagforge/sort.h"

namespace tagforge {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

bool is_inside(const fs::path& child, const fs::path& parent) {
  return child.native().size() > parent.native().size() && child.native().rfind(parent.native() + "/", 0) == 0;
}

// Failures always reach the report; counts of files moved by this run too,
// unless they were moves an interrupted run had planned (resumed_moves).
void add_stats(SortReport& report, ForwardStats& stats, bool resumed = false) {
  for (auto& f : stats.failures) report.failures.push_back(std::move(f));
  stats.failures.clear();
  if (resumed) {
    report.resumed_moves += stats.moved + stats.linked + stats.copied;
    stats.moved = stats.linked = stats.copied = 0;
    return;
  }
  report.moved += stats.moved;
  report.linked += stats.linked;
  report.copied += stats.copied;
  report.removed_dirs += stats.removed_dirs;
}

// An open journal the sort appends batches to, and the moves it carries out.
struct OpenJournal {
  fs::path path;
  JournalHeader header;
  std::optional<JournalWriter> writer;
  std::unique_ptr<ForwardRun> run;
  uint64_t moves = 0;  // in the journal so far
  ForwardStats stats;
};

// Finishes the latest journal of `source` if a crash cut it short. A journal
// cut short while its batches were still being planned comes back open: its
// written batches are done, and the sort carries on in it.
Result<std::optional<OpenJournal>> resume_interrupted(const fs::path& source, SortReport& report,
                                                      ProgressSink* progress) {
  std::optional<OpenJournal> none;
  auto journals = list_journals(source);
  if (journals.empty()) return none;
  const fs::path& latest = journals.back();
  auto c = read_journal(latest);
  if (!c) return c.error();
  if (!c->started()) {
    // Killed before its first batch was written: nothing moved; it is void.
    std::error_code ec;
    fs::remove(latest, ec);
    return none;
  }
  if (c->undo_started && !c->undone) {
    return Error{ErrorCode::kConflict,
                 "an undo of this folder was interrupted; run `tagforge undo` on it to finish it first", latest};
  }
  if (c->finished || c->undone) return none;
  auto w = JournalWriter::reopen(latest);
  if (!w) return w.error();
  report.resumed = true;
  const JournalRoots roots = journal_roots(*c, latest);
  if (c->plan_complete) {
    ForwardStats stats;
    TF_RETURN_IF_ERROR(run_forward(*c, *w, roots, progress, stats));
    add_stats(report, stats, /*resumed=*/true);
    return none;
  }
  OpenJournal open{latest, c->header, std::move(*w), std::make_unique<ForwardRun>(roots, nullptr), c->moves.size(), {}};
  TF_RETURN_IF_ERROR(open.run->make_dirs(c->mkdirs));
  open.run->move(c->moves, open.stats);
  add_stats(report, open.stats, /*resumed=*/true);
  return std::optional<OpenJournal>(std::move(open));
}

// PLAN_END, then the final sync, folder clean-up and END.
Status close_journal(OpenJournal& j, SortReport& report) {
  j.writer->add_plan_end(j.moves);
  TF_RETURN_IF_ERROR(j.run->finish(*j.writer, {}, j.stats));
  report.phases.finish += j.stats.finish_seconds;
  add_stats(report, j.stats);
  return ok_status();
}

class SortStream {
 public:
  SortStream(const fs::path& source, const fs::path& dest, const SortOptions& opt, SortReport& report)
      : source_(source), dest_(dest), opt_(opt), report_(report) {}

  // Continues `open` instead of starting a journal of its own.
  void continue_in(OpenJournal&& open) { journal_.emplace(std::move(open)); }

  Status run(Listing& listing, const ScanOptions& scan_opt);

 private:
  Status commit();
  Status start_journal();

  const fs::path& source_;
  const fs::path& dest_;
  const SortOptions& opt_;
  SortReport& report_;
  std::optional<OpenJournal> journal_;
  std::vector<std::string> mkdirs_;  // the batch being planned
  std::vector<JournalMove> moves_;
};

Status SortStream::start_journal() {
  TF_RETURN_IF_ERROR(make_directories(dest_));
  OpenJournal j;
  j.path = next_journal_path(source_);
  j.header.command = "sort";
  j.header.source_root = source_.native();
  j.header.dest_root = dest_.native();
  j.header.in_place = dest_ == source_;
  j.header.created_unix = static_cast<int64_t>(std::time(nullptr));
  auto w = JournalWriter::create(j.path);
  if (!w) return w.error();
  j.writer.emplace(std::move(*w));
  j.writer->add_header(j.header);
  j.run = std::make_unique<ForwardRun>(JournalRoots{source_, dest_}, nullptr);
  journal_.emplace(std::move(j));
  return ok_status();
}

// Journals the batch planned so far (one fsync), then carries it out.
Status SortStream::commit() {
  if (moves_.empty()) return ok_status();
  report_.planned_files += moves_.size();
  if (opt_.dry_run) {
    for (const auto& m : moves_) {
      if (opt_.plan_text) {
        report_.plan.push_back(printable_path(m.src) + " -> " +
                               printable_path((dest_ / m.dst).lexically_relative(source_).native()));
      }
      report_.plan_paths.emplace_back(m.src, m.dst);
    }
  } else {
    const auto t0 = Clock::now();
    if (!journal_) TF_RETURN_IF_ERROR(start_journal());
    OpenJournal& j = *journal_;
    for (const auto& d : mkdirs_) j.writer->add_mkdir(d);
    for (const auto& m : moves_) j.writer->add_move(m);
    j.writer->add_batch(moves_.size());
    crash_point();
    // The one fsync that makes every move of this batch recoverable.
    TF_RETURN_IF_ERROR(j.writer->sync());
    j.moves += moves_.size();
    report_.phases.journal += seconds_between(t0, Clock::now());
    TF_RETURN_IF_ERROR(j.run->make_dirs(mkdirs_));
    j.run->move(moves_, j.stats);
  }
  mkdirs_.clear();
  moves_.clear();
  return ok_status();
}

Status SortStream::run(Listing& listing, const ScanOptions& scan_opt) {
  ScanResult& scan = listing.scan;
  const bool in_place = dest_ == source_;

  // 1. Probe first the files that decide where other files go.
  const auto t_early = Clock::now();
  const std::vector<size_t> sources = Classifier::frame_sources(scan, opt_.animations);
  const std::vector<size_t> settled = settle_candidates(scan, opt_, in_place);
  std::vector<bool> probed(scan.items.size());
  std::vector<size_t> early;
  auto want = [&](size_t i) {
    if (!probed[i]) {
      probed[i] = true;
      early.push_back(i);
    }
  };
  for (const SharedSidecar& s : listing.shared) {
    for (size_t i : s.candidates) want(i);
  }
  for (size_t i : sources) want(i);
  for (size_t i : settled) want(i);
  std::vector<ScanNote> notes = probe_items(listing, early, scan_opt);
  early = {};
  {
    const ItemProber prober(listing.root_fd.get(), scan, scan_opt);
    attach_shared_sidecars(std::move(listing.shared), scan.items, scan, prober, notes);
  }
  const Classifier classifier(scan, sources, opt_.animations, opt_.folder);
  SortPlanner planner(scan, dest_, opt_);
  {
    std::vector<SortClass> classes;
    for (size_t i : settled) classes.push_back(classifier.classify(scan.items[i]));
    planner.settle(settled, classes);
  }
  const std::vector<uint32_t> order = natural_item_order(scan);
  report_.phases.early = seconds_between(t_early, Clock::now());

  // 2. The stream: probe ahead on the other cores, place, journal, move.
  const auto t_stream = Clock::now();
  uint64_t files = 0;
  for (const Item& it : scan.items) files += 1 + it.sidecars.size();
  if (opt_.progress) opt_.progress->begin(opt_.dry_run ? "planning" : opt_.copy ? "copying" : "sorting", files);
  const unsigned cores = std::max(2u, std::thread::hardware_concurrency());
  ProbeAhead ahead(listing, order, probed, scan_opt, cores - 1);
  uint64_t since = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    report_.phases.waiting += ahead.wait_for(k);
    const uint32_t i = order[k];
    const Item& it = scan.items[i];
    if (!planner.stays(i)) {
      planner.place(i, classifier.classify(it), mkdirs_, moves_);
      if (moves_.size() >= opt_.journal_batch) TF_RETURN_IF_ERROR(commit());
    }
    since += 1 + it.sidecars.size();
    if (since >= 1024 && opt_.progress) {
      opt_.progress->advance(since);
      since = 0;
    }
  }
  TF_RETURN_IF_ERROR(commit());
  if (opt_.progress) {
    opt_.progress->advance(since);
    opt_.progress->end();
  }
  std::vector<ScanNote> streamed = ahead.finish();
  std::move(streamed.begin(), streamed.end(), std::back_inserter(notes));
  report_.phases.stream = seconds_between(t_stream, Clock::now());

  report_.counts = scan.counts();
  report_.items = scan.items.size();
  report_.items_in_place = planner.items_in_place();
  report_.renamed = planner.renamed();
  report_.buckets = planner.buckets();
  report_.notes = std::move(scan.notes);
  std::move(notes.begin(), notes.end(), std::back_inserter(report_.notes));

  // 3. Close the journal: the final sync, emptied folders, END.
  if (journal_) {
    report_.journal = journal_->path;
    report_.phases.moves = journal_->stats.move_seconds;
    TF_RETURN_IF_ERROR(close_journal(*journal_, report_));
  }
  return ok_status();
}

}  // namespace

Result<SortReport> sort_tree(const fs::path& dir, const SortOptions& opt) {
  const auto t0 = Clock::now();
  if (opt.bucket_size == 0) return Error{ErrorCode::kInvalidInput, "bucket size must be at least 1", {}};
  if (opt.journal_batch == 0) return Error{ErrorCode::kInvalidInput, "journal batch must be at least 1", {}};
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
  SortStream stream(source, dest, opt, report);
  if (!opt.dry_run) {
    auto l = lock_state_dir(source);
    if (!l) return l.error();
    lock.emplace(std::move(*l));
    auto open = resume_interrupted(source, report, opt.progress);
    if (!open) return open.error();
    if (*open) {
      // Same destination: the sort carries on in that journal, so that one
      // undo takes everything back. Otherwise that sort ends where it was cut.
      const JournalHeader& h = (*open)->header;
      if (h.in_place == (dest == source) && (h.in_place || h.dest_root == dest.native())) {
        stream.continue_in(std::move(**open));
      } else {
        TF_RETURN_IF_ERROR(close_journal(**open, report));
      }
    }
  }

  ScanOptions scan_opt = opt.scan;
  scan_opt.progress = opt.progress;
  scan_opt.review_tag = opt.review_tag;
  if (dest != source && is_inside(dest, source)) scan_opt.exclude.push_back(dest);
  const auto t_list = Clock::now();
  auto listing = list_tree(source, scan_opt);
  if (!listing) return listing.error();
  report.phases.list = seconds_between(t_list, Clock::now());
  TF_RETURN_IF_ERROR(stream.run(*listing, scan_opt));
  report.seconds = seconds_between(t0, Clock::now());
  return report;
}

}  // namespace tagforge
