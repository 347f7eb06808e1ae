#include "pipeline/export.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <set>
#include <unordered_set>

#include "core/atomic_file.h"
#include "core/dir_handles.h"
#include "core/fault_injection.h"
#include "core/fs_ops.h"
#include "pipeline/dataset_dedupe.h"
#include "pipeline/listing_digest.h"
#include "pipeline/probe_memo.h"
#include "pipeline/stages/quality_stage.h"
#include "pipeline/work_tree.h"
#include "scan/media_format.h"
#include "sort/classify.h"
#include "sort/plan.h"
#include "tagforge/sort.h"

namespace tagforge {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

// Something is at `to` that is not `from` itself (the same inode).
bool in_the_way(const fs::path& from, const fs::path& to) {
  struct stat a {}, b {};
  if (::lstat(to.c_str(), &b) != 0) return false;
  return !(::stat(from.c_str(), &a) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev);
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

namespace {

// The sorter's options for the plan of the work folder.
SortOptions plan_options(const RunContext& c) {
  SortOptions so;
  so.dest = c.out / ".tagforge" / "plan";  // never created: planned as into an empty folder
  so.dry_run = true;
  so.copy = true;
  so.bucket_size = size_t(c.config.run.bucket_size);
  so.review_tag = c.config.check.review_tag;
  return so;
}

// One link of the export's plan, placed on some core.
struct LinkToPlace {
  std::string src, dst;
  FileStamp stamp;
  bool changed = false;
  std::string error;
};
// The links placed, and the old ones removed, at once: pages of the plan and of the exported table.
constexpr size_t kPage = 4096;

bool is_media_name(const std::string& name) {
  return !is_sidecar_extension(extension_of(name)) && !is_mask_sidecar_name(name);
}

// The planned rows of one item's moves (media file, then sidecars), each with its file's stamp as the
// scan saw it: the link is checked without a second look at the file.
Status add_planned_moves(Scratch& scratch, const Scratch::ToPlan& e, const std::vector<JournalMove>& moves) {
  for (const JournalMove& mv : moves) {
    const std::string name = fs::path(mv.src).filename().string();
    FileStamp stamp;
    if (name == e.name && !e.stamps.empty()) stamp = e.stamps[0];
    for (size_t k = 0; k < e.sidecars.size(); ++k) {
      if (name == e.sidecars[k] && k + 1 < e.stamps.size()) stamp = e.stamps[k + 1];
    }
    TF_RETURN_IF_ERROR(scratch.add_planned(mv.src, mv.dst, is_media_name(name), stamp));
  }
  return ok_status();
}

Item item_of(const Scratch::ToPlan& e) {
  Item it;
  it.name = e.name;
  for (const std::string& n : e.sidecars) it.sidecars.emplace_back().name = n;
  return it;
}

// Plans the item where the last export put it, as `sort` leaves a file in a bucket of its class:
// in a bucket of its class now, under the name it had, with room there and its names (sidecars
// may have come since) still free. False when it must be placed anew.
Result<bool> keep_where_it_was(const Scratch::ToPlan& e, const SortOptions& so, Manifest& m, Scratch& scratch,
                               SortPlanner& planner) {
  auto placed = m.exported_from(e.dir.empty() ? e.name : e.dir + "/" + e.name);
  if (!placed) return placed.error();
  const Item it = item_of(e);
  const std::string& prefix = so.folder[size_t(e.cls)];
  const size_t stem_len = stem_of(e.name).size();
  std::vector<JournalMove> moves;
  for (const std::string& dst : *placed) {
    const auto [folder, name] = split_parent(dst);
    const uint64_t n = bucket_number(folder, prefix);
    const std::optional<std::string> suffix = n ? placed_suffix(name, e.name) : std::nullopt;
    if (!suffix || folder.find('/') != std::string_view::npos) continue;
    bool free = true;
    for (size_t k = 0; free && k <= e.sidecars.size(); ++k) {
      const std::string& file = k == 0 ? e.name : e.sidecars[k - 1];
      auto taken = scratch.is_planned(std::string(folder) + "/" + with_suffix(file, stem_len, *suffix));
      if (!taken) return taken.error();
      free = !*taken;
    }
    moves.clear();
    if (!free || !planner.keep(it, e.dir, SortClass(e.cls), n, *suffix, moves)) continue;
    TF_RETURN_IF_ERROR(add_planned_moves(scratch, e, moves));
    return true;
  }
  return false;
}

// The sorter's plan of the work folder into OUT's buckets, into the scratch database: the work
// folder is read one folder at a time, each item classified with its folder (frames lie beside
// their clips). Each item stays where the last export put it while that still holds (a run that
// adds, changes or sets aside a few items moves only those), and the others are placed in the
// sorter's order, gaps first, as `sort` files newcomers into a sorted folder; on the first run,
// or with [run] rebalance, that is every item: the plan of `sort --dest` into an empty folder.
Status plan_buckets(const RunContext& c, Manifest& m, Scratch& scratch, ExportReport& r) {
  const SortOptions so = plan_options(c);
  if (so.bucket_size == 0) return Error{ErrorCode::kInvalidInput, "bucket size must be at least 1", {}};
  ScanOptions scan_options = work_scan_options(c);
  // The work folder's media are the input's links, and its sidecars change only when
  // the run writes them: what did not change is stat'ed, not opened.
  ManifestProbeMemo memo(m, "work", scan_options);
  scan_options.memo = &memo;
  // The images the run's dedupe set aside go to duplicates_N, whatever their class.
  auto set_aside = set_aside_paths(m);
  if (!set_aside) return set_aside.error();
  const std::unordered_set<std::string>& aside = *set_aside;
  // The stills the quality gate set aside go to low_quality_N.
  auto low_quality = low_quality_paths(m);
  if (!low_quality) return low_quality.error();
  const std::unordered_set<std::string>& low = *low_quality;
  ListingDigest listing;
  TF_RETURN_IF_ERROR(scan_folders(c.work, scan_options, [&](ScanResult&& folder) -> Status {
    listing.add(folder);
    const Classifier classifier(folder, Classifier::frame_sources(folder, so.animations), so.animations);
    Scratch::ToPlan entry;
    for (const Item& it : folder.items) {  // copied: the classifier holds views of the names
      entry.dir = folder.dirs[it.dir];
      entry.name = it.name;
      entry.cls = int(classifier.classify(it));
      if (!aside.empty() && aside.count(folder.relative_path(it))) {
        entry.cls = int(SortClass::kDuplicates);
      } else if (!low.empty() && is_still_class(SortClass(entry.cls)) && low.count(folder.relative_path(it))) {
        entry.cls = int(SortClass::kLowQuality);
      }
      entry.sidecars.clear();
      entry.stamps = {it.stamp};
      for (const Sidecar& sc : it.sidecars) {
        entry.sidecars.push_back(sc.name);
        entry.stamps.push_back(sc.stamp);
      }
      TF_RETURN_IF_ERROR(scratch.add_to_plan(entry));
    }
    return ok_status();
  }));
  TF_RETURN_IF_ERROR(memo.status());
  r.work_changed = memo.changed_folders();
  r.work_listing = listing.hex();
  const ScanResult none;
  SortPlanner planner(none, so.dest, so);
  Status names_failure = ok_status();
  planner.set_names_in([&](const std::string& folder, std::unordered_set<std::string>& names) {
    if (Status st = scratch.names_planned_in(folder, names); !st.ok() && names_failure.ok()) names_failure = st;
  });
  auto any_exported = m.exported_after("", 1);
  if (!any_exported) return any_exported.error();
  std::vector<bool> kept;  // by place in the plan's order
  if (!c.config.run.rebalance && !any_exported->empty()) {
    // One read transaction for the pass: a lookup an item, each in its own, cost more in
    // starting and ending them (WAL locks) than in the lookups.
    TF_RETURN_IF_ERROR(m.reading([&]() -> Status {
      return scratch.for_each_to_plan([&](const Scratch::ToPlan& e) -> Status {
        auto k = keep_where_it_was(e, so, m, scratch, planner);
        if (!k) return k.error();
        kept.push_back(*k);
        return ok_status();
      });
    }));
  }
  size_t at = 0;
  std::vector<std::string> mkdirs;
  std::vector<JournalMove> moves;
  TF_RETURN_IF_ERROR(scratch.for_each_to_plan([&](const Scratch::ToPlan& e) -> Status {
    if (at < kept.size() && kept[at++]) return ok_status();
    moves.clear();
    planner.place(item_of(e), e.dir, SortClass(e.cls), mkdirs, moves);
    mkdirs.clear();
    return add_planned_moves(scratch, e, moves);
  }));
  return names_failure;
}

}  // namespace

ScanOptions work_scan_options(const RunContext& c) {
  ScanOptions options = plan_options(c).scan;
  options.review_tag = c.config.check.review_tag;
  return options;
}

Result<ExportReport> export_buckets(const RunContext& c, Manifest& m, Scratch& scratch) {
  ExportReport r;
  TF_RETURN_IF_ERROR(scratch.clear_plan());
  TF_RETURN_IF_ERROR(scratch.begin());
  if (c.config.run.sort) {
    TF_RETURN_IF_ERROR(plan_buckets(c, m, scratch, r));
  } else {
    Status failure = ok_status();
    for_each_file(c.work, [&](const fs::path& file, const std::string& rel) {
      if (Status st = scratch.add_planned(rel, rel, is_media_name(file.filename().string())); !st.ok() && failure.ok()) {
        failure = st;
      }
    });
    TF_RETURN_IF_ERROR(failure);
  }
  TF_RETURN_IF_ERROR(scratch.commit());

  // First, every destination becomes ours, so that a kill from here on leaves nothing of ours
  // unknown; but a file in the way that tagforge did not put there is left alone and reported.
  std::vector<std::string> blocked;  // their destinations
  TF_RETURN_IF_ERROR(m.begin());
  // Each row keeps the stamp of the link to be placed, the source's as the scan saw it: a
  // later run finds the bucket unchanged from a stat of it (settled.h). The plan's rows
  // and the exported table's are read a page at a time, side by side, both in order.
  struct Planned {
    std::string src, dst, stamp;
  };
  std::vector<Planned> page;
  auto note_page = [&]() -> Status {
    if (page.empty()) return ok_status();
    auto rows = m.exported_between(page.front().dst, page.back().dst);
    if (!rows) return rows.error();
    size_t k = 0;
    for (const Planned& p : page) {
      while (k < rows->size() && (*rows)[k].path < p.dst) ++k;
      const ExportedFile* ours = k < rows->size() && (*rows)[k].path == p.dst ? &(*rows)[k] : nullptr;
      if (ours && ours->source == p.src && ours->stamp == p.stamp) continue;  // as it was
      if (!ours && in_the_way(c.work / p.src, c.out / p.dst)) {
        r.errors.emplace_back(p.dst, "is in the way and was not put there by tagforge; left alone");
        blocked.push_back(p.dst);
        continue;
      }
      TF_RETURN_IF_ERROR(m.note_exported(p.dst, p.src, p.stamp));  // new, or its source changed
    }
    page.clear();
    return ok_status();
  };
  TF_RETURN_IF_ERROR(scratch.for_each_planned([&](const std::string& src, const std::string& dst,
                                                  const FileStamp& stamp) -> Status {
    page.push_back(Planned{src, dst, stamp.ino == 0 ? std::string() : stamp_text(stamp)});
    return page.size() == kPage ? note_page() : ok_status();
  }));
  TF_RETURN_IF_ERROR(note_page());
  TF_RETURN_IF_ERROR(m.commit());
  crash_point();

  // Then the links, a page at a time on every core: each destination is its own.
  size_t next_blocked = 0;                // both in bytewise order
  std::vector<std::string> not_placed;  // sources; the plan is not changed while it is read
  std::vector<LinkToPlace> links;
  auto place_links = [&] {
    tbb::parallel_for(tbb::blocked_range<size_t>(0, links.size(), 256), [&](const tbb::blocked_range<size_t>& range) {
      DirHandles buckets(c.out);  // a range's links lie in one or two buckets
      for (size_t i = range.begin(); i < range.end(); ++i) {
        LinkToPlace& l = links[i];
        if (buckets.holds(l.dst, l.stamp)) continue;  // as it was placed
        if (Status st = link_replacing(c.work / l.src, c.out / l.dst, false, &l.changed, &l.stamp); !st.ok()) {
          l.error = st.error().message;
        }
      }
    });
    for (LinkToPlace& l : links) {
      if (!l.error.empty()) {
        r.errors.emplace_back(l.dst, std::move(l.error));
        not_placed.push_back(std::move(l.src));
      } else {
        l.changed ? ++r.linked : ++r.unchanged;
      }
    }
    links.clear();
  };
  TF_RETURN_IF_ERROR(scratch.for_each_planned([&](const std::string& src, const std::string& dst,
                                                  const FileStamp& stamp) -> Status {
    if (next_blocked < blocked.size() && blocked[next_blocked] == dst) {
      ++next_blocked;
      not_placed.push_back(src);
      return ok_status();
    }
    LinkToPlace& l = links.emplace_back();
    l.src = src;
    l.dst = dst;
    l.stamp = stamp;
    if (links.size() == kPage) place_links();
    return ok_status();
  }));
  place_links();
  for (const std::string& src : not_placed) TF_RETURN_IF_ERROR(scratch.unplace(src));

  // Then what earlier runs placed and this plan no longer has, a page at a time: when every
  // bucket shifted (items inserted early in the order), that is nearly all of them.
  std::set<fs::path> dirs;  // one per bucket folder, far fewer than files
  std::string after, last_parent;
  Scratch::PlannedInOrder planned(scratch);  // the exported table's pages come in the same order
  for (;;) {
    auto page = m.exported_after(after, kPage);
    if (!page) return page.error();
    if (page->empty()) break;
    after = page->back().path;
    std::vector<std::string> gone;
    for (const ExportedFile& f : *page) {
      auto wanted = planned.has(f.path);
      if (!wanted) return wanted.error();
      if (!*wanted) gone.push_back(f.path);
    }
    std::atomic<size_t> removed = 0;
    tbb::parallel_for(size_t{0}, gone.size(), [&](size_t i) {
      if (::unlink((c.out / gone[i]).c_str()) == 0) ++removed;
      crash_point();
    });
    r.removed += removed;
    for (const std::string& p : gone) {
      const std::string_view parent = split_parent(p).first;
      if (parent == last_parent) continue;  // in order: a bucket's files come together
      last_parent = parent;
      for (fs::path d = fs::path(p).parent_path(); !d.empty(); d = d.parent_path()) dirs.insert(d);
    }
    TF_RETURN_IF_ERROR(m.remove_exported(gone));
  }
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) ::rmdir((c.out / *it).c_str());  // only when empty
  return r;
}

Result<MetadataWriters> MetadataWriters::open(const RunContext& c, Manifest& m) {
  MetadataWriters w(c, m);
  auto start = [&](const char* name, std::optional<File>& file) -> Status {
    auto f = AtomicFileWriter::open(c.out / name);
    if (!f) return f.error();
    file.emplace(File{name, std::move(*f), ContentHasher()});
    return ok_status();
  };
  if (c.config.exports.kohya) {
    TF_RETURN_IF_ERROR(start("meta_cap_dd.json", w.kohya_));
    TF_RETURN_IF_ERROR(w.kohya_->append("{"));
  }
  if (c.config.exports.huggingface) TF_RETURN_IF_ERROR(start("metadata.jsonl", w.huggingface_));
  return w;
}

MetadataWriters::Entries MetadataWriters::entries_of(const ExportFacts& f, const std::string& out_path,
                                                     const std::string& source) const {
  Entries e;
  if (!f.complete) return e;
  if (kohya_) {
    fs::path key = out_path;
    key.replace_extension();
    e.kohya = fmt::format("\n  {}: {}", json(key.string()).dump(), f.kohya_entry);
  }
  if (huggingface_) {
    auto text = [](const std::string& s) { return json(s).dump(-1, ' ', false, json::error_handler_t::replace); };
    e.huggingface = "{\"file_name\":" + text(out_path) + "," + f.hf_fields;
    if (!source.empty()) e.huggingface += ",\"source\":" + text(source);
    e.huggingface += "}\n";
  }
  return e;
}

Status MetadataWriters::add(const Entries& e) {
  if (kohya_ && !e.kohya.empty()) {
    if (!first_) TF_RETURN_IF_ERROR(kohya_->append(","));
    TF_RETURN_IF_ERROR(kohya_->append(e.kohya));
    first_ = false;
  }
  if (huggingface_ && !e.huggingface.empty()) TF_RETURN_IF_ERROR(huggingface_->append(e.huggingface));
  return ok_status();
}

namespace {

// "size:mtime:ino" of the file, or "-".
std::string file_stamp_text(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return "-";
  return stamp_text(stamp_of(st));
}

}  // namespace

Status MetadataWriters::commit(File& file) {
  const std::string key = "export " + file.name, digest = file.hash.hex();
  const fs::path path = c_->out / file.name;
  auto recorded = m_->meta(key);
  if (!recorded) return recorded.error();
  if (*recorded && **recorded == file_stamp_text(path) + " " + digest) return ok_status();  // the temporary goes
  TF_RETURN_IF_ERROR(file.writer.commit());
  return m_->put_meta(key, file_stamp_text(path) + " " + digest);
}

Status MetadataWriters::commit() {
  if (kohya_) {
    TF_RETURN_IF_ERROR(kohya_->append(first_ ? "}\n" : "\n}\n"));
    TF_RETURN_IF_ERROR(commit(*kohya_));
  }
  if (huggingface_) TF_RETURN_IF_ERROR(commit(*huggingface_));
  return ok_status();
}

}  // namespace tagforge
