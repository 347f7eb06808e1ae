#include "pipeline/merge.h"

#include <fmt/format.h>

#include <chrono>

#include "core/fs_ops.h"
#include "pipeline/dataset_dedupe.h"
#include "pipeline/export.h"
#include "pipeline/item_stages.h"
#include "pipeline/stages/quality_stage.h"
#include "pipeline/manifest.h"
#include "pipeline/settled.h"
#include "pipeline/output_lock.h"
#include "pipeline/scratch.h"
#include "pipeline/work_tree.h"
#include "pipeline/item_exports.h"

namespace tagforge {

namespace fs = std::filesystem;

namespace {

// Links every file of a shard's work folder into ours; a path both hold
// with different bytes is a conflict, left as it is and reported.
void join_work(const fs::path& from, const fs::path& to, RunSummary& s) {
  for_each_file(from, [&](const fs::path& file, const std::string& rel) {
    const fs::path target = to / rel;
    std::error_code ec;
    if (fs::exists(target, ec)) {
      auto same = same_contents(file, target);
      if (same && *same) return;
      s.errors.emplace_back(rel, fmt::format("merge: {} holds other bytes than an earlier shard; kept the earlier",
                                             from.parent_path().parent_path().string()));
      return;
    }
    if (Status st = link_replacing(file, target, false); !st.ok()) {
      s.errors.emplace_back(rel, "merge: " + st.error().message);
    } else {
      ++s.files;
    }
  });
}

}  // namespace

Result<RunSummary> merge_runs(const MergeOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  RunSummary s;
  RunContext c;
  c.config = o.config;
  c.table = c.config.table();
  c.index_sections();
  c.out = fs::absolute(o.out).lexically_normal();
  c.work = c.out / ".tagforge" / "work";
  for (const fs::path& shard : o.shards) {
    std::error_code ec;
    if (!fs::is_regular_file(shard / ".tagforge" / "manifest.sqlite", ec)) {
      return Error{ErrorCode::kInvalidInput, "not the output of a tagforge run (no .tagforge/manifest.sqlite)", shard};
    }
    if (fs::absolute(shard).lexically_normal() == c.out) {
      return Error{ErrorCode::kInvalidInput, "the merged output must be a folder of its own, not one of the shards",
                   shard};
    }
  }
  TF_RETURN_IF_ERROR(make_directories(c.work));
  auto lock = OutputLock::take(c.out / ".tagforge" / "run.lock");
  if (!lock) return lock.error();
  auto manifest = Manifest::open(c.out / ".tagforge" / "manifest.sqlite");
  if (!manifest) return manifest.error();
  Manifest& m = **manifest;
  TF_RETURN_IF_ERROR(forget_settled(m));  // a run over OUT afterwards has merged outputs to check
  TF_RETURN_IF_ERROR(lock->writing());
  std::string inputs;
  for (const fs::path& shard : o.shards) {
    join_work(shard / ".tagforge" / "work", c.work, s);
    TF_RETURN_IF_ERROR(m.absorb(shard / ".tagforge" / "manifest.sqlite"));
    inputs += (inputs.empty() ? "" : " + ") + fs::absolute(shard).lexically_normal().string();
  }
  c.in = inputs;

  // The items present in some shard's work folder (the rest left every shard's input).
  const ItemSource items = [&](const std::function<Status(const ManifestItem&)>& visit) {
    return m.for_each_item([&](const ManifestItem& item) -> Status {
      std::error_code ec;
      if ((item.kind != "image" && item.kind != "frame") || !fs::exists(c.work / item.path, ec)) return ok_status();
      return visit(item);
    });
  };
  TF_RETURN_IF_ERROR(m.for_each_item([&](const ManifestItem& item) -> Status {
    std::error_code ec;
    if ((item.kind == "animation" || item.kind == "video") && fs::exists(c.work / item.path, ec)) ++s.clips;
    return ok_status();
  }));
  // Each shard grouped only its own images (and its groups are not absorbed): the merge groups
  // them all again, as one run over the whole input would (dataset_dedupe.h).
  if (lock->left_unfinished()) sweep_leftovers(c.out);
  auto scratch = Scratch::open(c.out / ".tagforge" / "scratch.sqlite");
  if (!scratch) return scratch.error();
  DuplicateFinder dupes(c.config.dedupe);
  uint64_t position = 0;
  TF_RETURN_IF_ERROR((*scratch)->begin());
  TF_RETURN_IF_ERROR(items([&](const ManifestItem& item) -> Status {
    auto it = load_item(m, item, c);
    if (!it) return it.error();
    TF_RETURN_IF_ERROR((*scratch)->add_item(*it));
    if (auto candidate = dupes.candidate_of(*it)) dupes.add(*candidate, position);  // as the run's last pass
    ++position;
    ++s.items;
    s.frames += item.kind == "frame";
    for (const auto& [stage, r] : it->results) r.error.empty() ? ++s.stages[stage].reused : ++s.stages[stage].failed;
    if (!item.error.empty()) {
      s.errors.emplace_back(item.path, item.error);
      return ok_status();
    }
    if (fails_quality_gate(*it)) ++s.low_quality;
    if (!it->results.count(kStageScore)) return ok_status();
    ++s.written;
    if (flagged(*it, c.config)) ++s.flagged;
    if (untagged(*it)) ++s.untagged;
    return ok_status();
  }));
  TF_RETURN_IF_ERROR((*scratch)->commit());
  auto grouped = dupes.find(m, **scratch, c.work);
  if (!grouped) return grouped.error();
  s.duplicates = std::move(*grouped);
  auto placed = export_buckets(c, m, **scratch);
  if (!placed) return placed.error();
  for (auto& e : placed->errors) s.errors.emplace_back(e.first, "export: " + e.second);
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  s.phase_seconds["merge"] = s.seconds;
  TF_RETURN_IF_ERROR(write_item_exports(c, m, **scratch, items, s));
  lock->finished();
  return s;
}

}  // namespace tagforge
