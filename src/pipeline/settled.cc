#include "pipeline/settled.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include "core/dir_handles.h"
#include "core/fs_ops.h"
#include "pipeline/content_hash.h"
#include "pipeline/export.h"
#include "pipeline/listing_digest.h"
#include "pipeline/probe_memo.h"
#include "pipeline/run_inputs.h"
#include "pipeline/item_stages.h"
#include "pipeline/options.h"

namespace tagforge {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

constexpr const char* kMetaKey = "settled";

// The files the run writes at OUT's top, as [export] asks.
std::vector<std::string> top_files(const RunContext& c) {
  std::vector<std::string> out;
  if (c.config.exports.kohya) out.emplace_back("meta_cap_dd.json");
  if (c.config.exports.huggingface) out.emplace_back("metadata.jsonl");
  if (c.config.exports.report) out.emplace_back("report.html");
  return out;
}

// "size:mtime:ino" of each, or "-" for one that is not there.
json stamps_of(const RunContext& c) {
  json out = json::object();
  for (const std::string& name : top_files(c)) {
    struct stat st {};
    if (::stat((c.out / name).c_str(), &st) != 0) {
      out[name] = "-";
      continue;
    }
    out[name] = stamp_text(stamp_of(st));
  }
  return out;
}

}  // namespace

std::string run_identity(const RunContext& c, const RunOptions& o) {
  std::string shard = o.shard ? fmt::format("{}/{}", o.shard->first, o.shard->second) : "all";
  // stage_fingerprint carries the code's version of the stages.
  return stage_fingerprint({"settled", c.in.string(), c.out.string(), shard, format_config(c.table, "", false),
                            c.engine_identity, c.lexicon_identity, c.tagger_identity, c.tagger_thresholds,
                            c.detect_identity, c.segment_identity, c.nsfw_identity, c.llm ? c.prompts_identity : "",
                            c.llm ? "llm" : "no llm"});
}

Result<std::optional<json>> recall_settled(Manifest& m, const RunContext& c, const std::string& identity) {
  auto text = m.meta(kMetaKey);
  if (!text) return text.error();
  if (!*text || (*text)->empty()) return std::optional<json>();
  const json recorded = json::parse(**text, nullptr, false);
  if (recorded.is_discarded() || !recorded.is_object() || recorded.value("identity", "") != identity) {
    return std::optional<json>();
  }
  if (recorded.value("files", json()) != stamps_of(c)) return std::optional<json>();
  return std::optional<json>(recorded);
}

Status record_settled(Manifest& m, const RunContext& c, const std::string& identity, const RunSummary& s,
                      const std::string& input_listing, const std::string& work_listing) {
  json stages = json::object();
  for (const auto& [stage, n] : s.stages) {
    stages[stage] = {{"done", n.computed + n.reused}, {"failed", n.failed}};
  }
  json errors = json::array();
  for (const auto& [path, message] : s.errors) errors.push_back({path, message});
  const json inputs{{"items", s.items},     {"clips", s.clips},   {"frames", s.frames},
                    {"files", s.files},     {"unknown", s.unknown}, {"broken", s.broken},
                    {"skipped_by_shard", s.skipped_by_shard}};
  const json recorded{{"identity", identity},  {"files", stamps_of(c)},       {"listing", input_listing},
                      {"work listing", work_listing}, {"inputs", inputs},     {"written", s.written},
                      {"flagged", s.flagged},  {"untagged", s.untagged},      {"low_quality", s.low_quality},
                      {"stages", stages},
                      {"errors", errors}};
  return m.put_meta(kMetaKey, recorded.dump(-1, ' ', false, json::error_handler_t::replace));
}

Status forget_settled(Manifest& m) { return m.put_meta(kMetaKey, ""); }

namespace {

// Whether `root` is as the probe memo of `tree` remembers it, folder by folder, and holds
// the folders `listing` names; the walk stops at the first folder that differs.
Result<bool> tree_as_remembered(Manifest& m, const fs::path& root, const char* tree, ScanOptions options,
                                const std::string& listing) {
  ManifestProbeMemo memo(m, tree, options, ManifestProbeMemo::Mode::kRecallOnly);
  // The names first, read without a stat: a folder that gained or lost a file (or is new) differs
  // from the memo in its count, and the stat walk below is not made (it would stop at the same
  // folder, after stat'ing every file before it). A memo that cannot be counted leaves it to the walk.
  bool count_differs = false;
  (void)m.reading([&]() -> Status {  // a failure to list or count: the walk below finds out
    return list_folders(root, options.exclude, [&](const std::string& dir, const std::vector<std::string>& files) -> Status {
      auto n = memo.remembered_files(dir);
      if (!n) return n.error();
      if (*n == files.size()) return ok_status();
      count_differs = true;
      return Error{ErrorCode::kConflict, "differs from the probe memo", root};
    });
  });
  if (count_differs) return false;
  options.memo = &memo;
  ListingDigest seen;
  const Status walked = scan_folders(root, options, [&](ScanResult&& folder) -> Status {
    if (memo.changed_folders() > 0) return Error{ErrorCode::kConflict, "differs from the probe memo", root};
    seen.add(folder);
    return ok_status();
  });
  if (memo.changed_folders() > 0 || !memo.status().ok()) return false;
  TF_RETURN_IF_ERROR(walked);
  return seen.hex() == listing;
}

// Whether every file placed in OUT's buckets still has the stamp it was placed with.
Result<bool> placed_files_as_placed(Manifest& m, const fs::path& out) {
  constexpr size_t kPage = 4096;
  DirHandles folders(out);
  std::string after;
  for (;;) {
    auto page = m.exported_after(after, kPage);
    if (!page) return page.error();
    if (page->empty()) return true;
    after = page->back().path;
    for (const ExportedFile& f : *page) {
      const auto [folder, name] = split_parent(f.path);
      const int fd = folders.get(folder);
      struct stat st {};
      if (f.stamp.empty() || fd < 0 || ::fstatat(fd, std::string(name).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
          stamp_text(stamp_of(st)) != f.stamp) {
        return false;
      }
    }
  }
}

}  // namespace

Result<SinceSettled> look_for_changes(const RunContext& c, Manifest& m, const json& recorded) {
  auto in = tree_as_remembered(m, c.in, "in", input_scan_options(c), recorded.value("listing", ""));
  if (!in) return in.error();
  if (!*in) return SinceSettled::kInputs;
  if (c.config.run.sort) {  // unsorted, the work folder is not scanned: its files are checked as placed
    auto work = tree_as_remembered(m, c.work, "work", work_scan_options(c), recorded.value("work listing", ""));
    if (!work) return work.error();
    if (!*work) return SinceSettled::kInputs;
  }
  auto placed = placed_files_as_placed(m, c.out);
  if (!placed) return placed.error();
  return *placed ? SinceSettled::kNothing : SinceSettled::kBuckets;
}

void settled_summary(const json& r, RunSummary& s) {
  const json inputs = r.value("inputs", json::object());
  s.items = inputs.value("items", size_t{0});
  s.clips = inputs.value("clips", size_t{0});
  s.frames = inputs.value("frames", size_t{0});
  s.files = inputs.value("files", size_t{0});
  s.unknown = inputs.value("unknown", size_t{0});
  s.broken = inputs.value("broken", size_t{0});
  s.skipped_by_shard = inputs.value("skipped_by_shard", size_t{0});
  s.written = r.value("written", size_t{0});
  s.flagged = r.value("flagged", size_t{0});
  s.untagged = r.value("untagged", size_t{0});
  s.low_quality = r.value("low_quality", size_t{0});
  for (const auto& [stage, n] : r["stages"].items()) {
    StageCount& count = s.stages[stage];
    count.reused = n.value("done", size_t{0});
    count.failed = n.value("failed", size_t{0});
  }
  for (const json& e : r["errors"]) s.errors.emplace_back(e[0].get<std::string>(), e[1].get<std::string>());
}

}  // namespace tagforge
