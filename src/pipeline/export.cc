#include "pipeline/export.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "core/atomic_file.h"
#include "core/fault_injection.h"
#include "core/fs_ops.h"
#include "pipeline/work_tree.h"
#include "scan/media_format.h"
#include "tagforge/sort.h"

namespace tagforge {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

// Makes OUT/dst a hard link to work/src; `ours`: a file already there may be replaced.
Status place(const fs::path& from, const fs::path& to, bool ours, bool* changed) {
  struct stat a {}, b {};
  *changed = false;
  if (!ours && ::lstat(to.c_str(), &b) == 0 && !(::stat(from.c_str(), &a) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)) {
    return Error{ErrorCode::kExists, "is in the way and was not put there by tagforge; left alone", to};
  }
  return link_replacing(from, to, false, changed);
}

// Written whole, and with something to train on.
bool complete(const ItemState& it) {
  return stage_result(it, kStageCaption) && stage_result(it, kStageScore) && !it.errors.count("write") && !untagged(it);
}

bool is_leftover(const std::string& name) {
  if (name.rfind(kLinkTempPrefix, 0) == 0) return true;
  // NAME.tmp.<pid>.<number>
  const size_t last = name.rfind('.');
  if (last == std::string::npos || last + 1 == name.size()) return false;
  const size_t mid = name.rfind('.', last - 1);
  if (mid == std::string::npos || mid < 4 || name.compare(mid - 4, 4, ".tmp") != 0) return false;
  auto digits = [&](size_t from, size_t to) {
    if (from >= to) return false;
    for (size_t i = from; i < to; ++i) {
      if (name[i] < '0' || name[i] > '9') return false;
    }
    return true;
  };
  return digits(mid + 1, last) && digits(last + 1, name.size());
}

}  // namespace

size_t sweep_leftovers(const fs::path& dir) {
  size_t removed = 0;
  for_each_file(dir, [&](const fs::path& file, const std::string&) {
    std::error_code rm;
    if (is_leftover(file.filename().string()) && fs::remove(file, rm)) ++removed;
  });
  return removed;
}

Result<ExportReport> export_buckets(const RunContext& c, Manifest& m) {
  ExportReport r;
  std::vector<std::pair<std::string, std::string>> plan;
  if (c.config.run.sort) {
    SortOptions so;
    so.dest = c.out / ".tagforge" / "plan";  // never created: a dry run plans as into an empty folder
    so.dry_run = true;
    so.plan_text = false;
    so.copy = true;
    so.bucket_size = size_t(c.config.run.bucket_size);
    so.review_tag = c.config.check.review_tag;
    auto sorted = sort_tree(c.work, so);
    if (!sorted) return sorted.error();
    plan = std::move(sorted->plan_paths);
    for (const ScanNote& f : sorted->failures) r.errors.emplace_back(f.path, f.message);
  } else {
    for_each_file(c.work, [&](const fs::path&, const std::string& rel) { plan.emplace_back(rel, rel); });
  }
  // The plan in the manifest's order (bytewise by destination), walked side by side with what
  // earlier runs placed: which destinations were ours, and which of ours are no longer wanted.
  std::sort(plan.begin(), plan.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  std::vector<bool> ours(plan.size(), false);
  std::vector<std::string> gone;
  size_t k = 0;
  TF_RETURN_IF_ERROR(m.for_each_exported([&](const std::string& p) -> Status {
    while (k < plan.size() && plan[k].second < p) ++k;
    if (k < plan.size() && plan[k].second == p) ours[k] = true;
    else gone.push_back(p);
    return ok_status();
  }));
  // First: a kill from here on leaves every destination known as ours.
  TF_RETURN_IF_ERROR(m.add_exported(plan.size(), [&](size_t i) -> const std::string& { return plan[i].second; }));
  crash_point();

  for (size_t i = 0; i < plan.size(); ++i) {
    const auto& [src, dst] = plan[i];
    bool changed = false;
    if (Status st = place(c.work / src, c.out / dst, ours[i], &changed); !st.ok()) {
      r.errors.emplace_back(dst, st.error().message);
      continue;
    }
    changed ? ++r.linked : ++r.unchanged;
    const std::string name = fs::path(src).filename().string();
    if (!is_sidecar_extension(extension_of(name)) && !is_mask_sidecar_name(name)) r.placed[src] = dst;  // media only
  }
  std::set<fs::path> dirs;
  for (const std::string& p : gone) {
    std::error_code ec;
    if (fs::remove(c.out / p, ec)) ++r.removed;
    crash_point();
    for (fs::path d = fs::path(p).parent_path(); !d.empty(); d = d.parent_path()) dirs.insert(d);
  }
  TF_RETURN_IF_ERROR(m.remove_exported(gone));
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) ::rmdir((c.out / *it).c_str());  // only when empty
  return r;
}

Result<MetadataWriters> MetadataWriters::open(const RunContext& c) {
  MetadataWriters w(c);
  if (c.config.exports.kohya) {
    auto f = AtomicFileWriter::open(c.out / "meta_cap_dd.json");
    if (!f) return f.error();
    w.kohya_.emplace(std::move(*f));
    TF_RETURN_IF_ERROR(w.kohya_->append("{"));
  }
  if (c.config.exports.huggingface) {
    auto f = AtomicFileWriter::open(c.out / "metadata.jsonl");
    if (!f) return f.error();
    w.huggingface_.emplace(std::move(*f));
  }
  return w;
}

Status MetadataWriters::add(const ItemState& it, const std::string& out_path) {
  if (!complete(it)) return ok_status();
  const json caption = json::parse(stage_result(it, kStageCaption)->data)["caption"];
  const std::string tags = final_tag_text(it, *c_);
  if (kohya_) {
    fs::path key = out_path;
    key.replace_extension();
    const json entry{{"caption", caption}, {"tags", tags}};
    TF_RETURN_IF_ERROR(kohya_->append(fmt::format("{}\n  {}: {}", first_ ? "" : ",", json(key.string()).dump(),
                                                  entry.dump(-1, ' ', false, json::error_handler_t::replace))));
    first_ = false;
  }
  if (huggingface_) {
    const json score = json::parse(stage_result(it, kStageScore)->data);
    json line{{"file_name", out_path},
              {"text", caption},
              {"tags", tags},
              {"score", score["overall"]},
              {"flagged", flagged(it, *c_)}};
    if (const StageResult* n = stage_result(it, kStageNsfw)) line["nsfw"] = json::parse(n->data)["nsfw"];
    if (!it.item.source.empty()) line["source"] = it.item.source;
    TF_RETURN_IF_ERROR(huggingface_->append(line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n"));
  }
  return ok_status();
}

Status MetadataWriters::commit() {
  if (kohya_) {
    TF_RETURN_IF_ERROR(kohya_->append(first_ ? "}\n" : "\n}\n"));
    TF_RETURN_IF_ERROR(kohya_->commit());
  }
  if (huggingface_) TF_RETURN_IF_ERROR(huggingface_->commit());
  return ok_status();
}

}  // namespace tagforge
