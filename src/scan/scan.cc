#include <fcntl.h>
#include <unistd.h>

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <functional>
#include <numeric>
#include <unordered_set>

#include "scan/listing.h"
#include "scan/probe.h"
#include "scan/walk.h"
#include "tagforge/scan.h"

namespace tagforge {

namespace {

// The root opened for listing and probing.
Result<Listing> open_root(const std::filesystem::path& root_in) {
  std::error_code ec;
  Listing out;
  out.scan.root = std::filesystem::canonical(root_in, ec);
  if (ec) return Error{ErrorCode::kNotFound, "cannot open folder: " + ec.message(), root_in};
  out.root_fd = UniqueFd(::open(out.scan.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!out.root_fd.valid()) return Error::from_errno(errno, "cannot open folder", out.scan.root);
  return out;
}

// What the walk found besides folders of files, moved into the scan's notes.
void take_walk_notes(WalkResult& walked, ScanResult& scan) {
  for (auto& s : walked.symlinks) scan.symlinks.push_back(std::move(s));
  for (auto& n : walked.notes) scan.notes.push_back(std::move(n));
  for (auto& s : walked.special) {
    scan.notes.push_back({std::move(s), "not a regular file (FIFO, socket or device); left alone"});
    ++scan.special_files;
  }
  scan.unreadable_dirs += walked.unreadable_dirs;
  walked.symlinks.clear();
  walked.notes.clear();
  walked.special.clear();
  walked.unreadable_dirs = 0;
}

// Probes every item of the listing and gives the shared sidecars their items.
void probe_listing(Listing& listing, const ScanOptions& opt,
                   const std::unordered_map<std::string, ProbedFile>* remembered = nullptr) {
  std::vector<size_t> all(listing.scan.items.size());
  std::iota(all.begin(), all.end(), size_t{0});
  std::vector<ScanNote> notes = probe_items(listing, all, opt, remembered);
  ScanResult& scan = listing.scan;
  std::move(notes.begin(), notes.end(), std::back_inserter(scan.notes));
  const ItemProber prober(listing.root_fd.get(), scan, opt, remembered);
  attach_shared_sidecars(std::move(listing.shared), scan.items, scan, prober, scan.notes);
  listing.shared.clear();
}

// The folder's probes into the memo, unless every file was recalled from it as it was. A
// file that gave a note (broken, unreadable, a sidecar of several) is kept without a stamp:
// it is probed again each time, so its note is always the one a fresh look gives.
void keep_probes(const ScanResult& scan, const std::unordered_map<std::string, ProbedFile>& remembered,
                 ProbeMemo& memo) {
  std::unordered_set<std::string> noted;
  for (const ScanNote& n : scan.notes) noted.insert(n.path);
  const auto unstamped = [&](const std::string& name) {
    auto hit = remembered.find(name);
    return hit != remembered.end() && hit->second.stamp == FileStamp{};
  };
  size_t files = 0;
  bool same = true;
  for (const Item& it : scan.items) {
    files += 1 + it.sidecars.size();
    same &= it.recalled || (noted.count(scan.relative_path(it)) && unstamped(it.name));
    for (const Sidecar& sc : it.sidecars) {
      same &= sc.recalled || (noted.count(scan.relative_path(it, sc.name)) && unstamped(sc.name));
    }
  }
  if (same && files == remembered.size()) return;
  std::vector<std::pair<std::string, ProbedFile>> out;
  out.reserve(files);
  for (const Item& it : scan.items) {
    ProbedFile f;
    if (!noted.count(scan.relative_path(it))) f.stamp = it.stamp;
    f.format = it.format;
    f.problem = it.problem;
    out.emplace_back(it.name, std::move(f));
    for (const Sidecar& sc : it.sidecars) {
      ProbedFile g;
      if (!noted.count(scan.relative_path(it, sc.name))) g.stamp = sc.stamp;
      g.kind = sc.kind;
      g.review = sc.review;
      g.has_text = sc.has_text;
      g.text = sc.text;
      out.emplace_back(sc.name, std::move(g));
    }
  }
  memo.keep(scan.dirs[0], std::move(out));
}

}  // namespace

Result<Listing> list_tree(const std::filesystem::path& root_in, const ScanOptions& opt) {
  auto out = open_root(root_in);
  if (!out) return out.error();
  if (opt.progress) opt.progress->begin("listing", 0);
  auto walked = walk_tree(out->root_fd.get(), out->scan.root, opt.exclude, opt.progress);
  if (opt.progress) opt.progress->end();
  if (!walked) return walked.error();

  ScanResult& scan = out->scan;
  take_walk_notes(*walked, scan);
  for (uint32_t d = 0; d < walked->dirs.size(); ++d) {
    scan.dirs.push_back(std::move(walked->dirs[d].path));
    group_by_name(std::move(walked->dirs[d].files), d, scan.items, out->shared);
    walked->dirs[d].files = {};
  }
  return out;
}

std::vector<ScanNote> probe_items(Listing& listing, std::span<const size_t> which, const ScanOptions& opt,
                                  const std::unordered_map<std::string, ProbedFile>* remembered) {
  const ItemProber prober(listing.root_fd.get(), listing.scan, opt, remembered);
  // Notes are rare: each thread keeps its own, tagged with the position in `which`.
  tbb::enumerable_thread_specific<std::vector<PositionedNote>> found;
  if (opt.progress) opt.progress->begin("probing", which.size());
  tbb::parallel_for(tbb::blocked_range<size_t>(0, which.size(), 256), [&](const tbb::blocked_range<size_t>& r) {
    auto& mine = found.local();
    std::vector<ScanNote> notes;
    for (size_t k = r.begin(); k < r.end(); ++k) {
      prober.probe(listing.scan.items[which[k]], notes);
      for (auto& n : notes) mine.emplace_back(k, std::move(n));
      notes.clear();
    }
    if (opt.progress) opt.progress->advance(r.size());
  });
  if (opt.progress) opt.progress->end();
  return notes_in_order(found);
}

Result<ScanResult> scan_tree(const std::filesystem::path& root, const ScanOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  auto listing = list_tree(root, opt);
  if (!listing) return listing.error();
  probe_listing(*listing, opt);
  ScanResult& scan = listing->scan;
  scan.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return std::move(scan);
}

Status list_folders(const std::filesystem::path& root, const std::vector<std::filesystem::path>& exclude,
                    const std::function<Status(const std::string& dir, const std::vector<std::string>& files)>& visit) {
  auto opened = open_root(root);
  if (!opened) return opened.error();
  WalkResult rest;  // symlinks and notes: not files
  return walk_folders(
      opened->root_fd.get(), opened->scan.root, exclude, nullptr, rest,
      [&](WalkedDir&& folder) { return visit(folder.path, folder.files); }, /*sort_files=*/false);
}

Status scan_folders(const std::filesystem::path& root, const ScanOptions& options,
                    const std::function<Status(ScanResult&&)>& visit) {
  auto opened = open_root(root);
  if (!opened) return opened.error();
  ScanOptions opt = options;
  opt.progress = nullptr;  // per folder, "probing" would flicker; the caller shows its own
  WalkResult rest;
  const std::filesystem::path canonical = opened->scan.root;
  TF_RETURN_IF_ERROR(walk_folders(opened->root_fd.get(), canonical, opt.exclude, nullptr, rest,
                                  [&](WalkedDir&& folder) -> Status {
                                    Listing& l = *opened;
                                    l.scan = ScanResult{};  // the last folder's was moved to `visit`
                                    l.scan.root = canonical;
                                    l.scan.dirs = {std::move(folder.path)};
                                    take_walk_notes(rest, l.scan);
                                    group_by_name(std::move(folder.files), 0, l.scan.items, l.shared);
                                    if (!opt.memo) {
                                      probe_listing(l, opt);
                                      return visit(std::move(l.scan));
                                    }
                                    const auto remembered = opt.memo->recall(l.scan.dirs[0]);
                                    probe_listing(l, opt, &remembered);
                                    keep_probes(l.scan, remembered, *opt.memo);
                                    return visit(std::move(l.scan));
                                  }));
  if (rest.notes.empty() && rest.symlinks.empty() && rest.special.empty() && !rest.unreadable_dirs) return ok_status();
  ScanResult last;  // what the walk found after the last folder of files
  last.root = canonical;
  last.dirs = {""};
  take_walk_notes(rest, last);
  return visit(std::move(last));
}

std::string ScanResult::relative_path(const Item& item) const { return relative_path(item, item.name); }

std::string ScanResult::relative_path(const Item& item, std::string_view file_name) const {
  const std::string& dir = dirs[item.dir];
  if (dir.empty()) return std::string(file_name);
  return dir + "/" + std::string(file_name);
}

ScanCounts ScanResult::counts() const {
  ScanCounts c;
  for (const Item& it : items) {
    c.files += 1 + it.sidecars.size();
    for (const Sidecar& s : it.sidecars) {
      switch (s.kind) {
        case SidecarKind::kTags: ++c.sidecar_tags; break;
        case SidecarKind::kCaption: ++c.sidecar_captions; break;
        case SidecarKind::kText: ++c.sidecar_text; break;
        case SidecarKind::kJson: ++c.sidecar_json; break;
        case SidecarKind::kSegmentation: ++c.sidecar_aseg; break;
        case SidecarKind::kMask: ++c.sidecar_mask; break;
        case SidecarKind::kEmpty: ++c.sidecar_empty; break;
      }
    }
    if (it.orphan_sidecar) {
      ++c.orphan_sidecars;
      continue;
    }
    switch (it.problem) {
      case FileProblem::kZeroByte: ++c.zero_byte; break;
      case FileProblem::kTruncated: ++c.truncated; break;
      case FileProblem::kNotMedia: ++c.extension_lies; break;
      case FileProblem::kUnreadable: ++c.unreadable; break;
      case FileProblem::kMislabelled: ++c.mislabelled; break;
      case FileProblem::kNone: break;
    }
    if (it.broken()) continue;
    switch (it.kind()) {
      case MediaKind::kImage: ++c.images; break;
      case MediaKind::kAnimation: ++c.animations; break;
      case MediaKind::kVideo: ++c.videos; break;
      case MediaKind::kUnknown: ++c.unknown; continue;
    }
    if (it.tagged()) ++c.tagged;
    else ++c.untagged;
  }
  c.symlinks = symlinks.size();
  c.special = special_files;
  c.unreadable_dirs = unreadable_dirs;
  return c;
}

}  // namespace tagforge
