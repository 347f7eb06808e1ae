#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/fs_ops.h"
#include "scan/integrity.h"
#include "scan/media_format.h"
#include "scan/sidecar.h"
#include "scan/sniff.h"
#include "scan/walk.h"
#include "tagforge/scan.h"

namespace tagforge {
namespace {

// Reads the file's first page once and serves reads inside it from memory:
// a small image is then checked with a single read(2) however many headers
// the format check walks.
class PagedReader : public RandomReader {
 public:
  static constexpr size_t kPage = 4096;
  PagedReader(int fd, uint64_t size) : fd_(fd), size_(size) {}

  // Returns false on a read error (errno set).
  bool load_head() {
    const long got = pread_full(0, head_, static_cast<size_t>(std::min<uint64_t>(size_, kPage)));
    if (got < 0) return false;
    head_len_ = static_cast<size_t>(got);
    loaded_ = true;
    return true;
  }
  std::span<const uint8_t> head() const { return {head_, head_len_}; }

  long read_at(uint64_t offset, void* buf, size_t n) override {
    // Inside the head, or past the end of a file shorter than one page.
    if (loaded_ && (offset + n <= head_len_ || (head_len_ < kPage && offset <= head_len_))) {
      const size_t take = std::min<size_t>(n, head_len_ - static_cast<size_t>(offset));
      std::memcpy(buf, head_ + offset, take);
      return static_cast<long>(take);
    }
    return pread_full(offset, buf, n);
  }
  uint64_t size() const override { return size_; }

 private:
  long pread_full(uint64_t offset, void* buf, size_t n) {
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::pread(fd_, static_cast<char*>(buf) + got, n - got, static_cast<off_t>(offset + got));
      if (r < 0) {
        if (errno == EINTR) continue;
        return -1;
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    return static_cast<long>(got);
  }

  int fd_;
  uint64_t size_;
  uint8_t head_[kPage];
  size_t head_len_ = 0;
  bool loaded_ = false;
};

// Opens for reading without touching the access time where the owner
// allows it: a scan of a million files must not dirty a million inodes.
int open_for_probe(int root_fd, const char* rel) {
  constexpr int kFlags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
  int fd = ::openat(root_fd, rel, kFlags | O_NOATIME);
  if (fd < 0 && errno == EPERM) fd = ::openat(root_fd, rel, kFlags);
  return fd;
}

constexpr size_t kSidecarReadLimit = 64 * 1024;

// Fills `f` for the file at `rel`; returns a note for the user, or "".
std::string probe_file(int root_fd, const std::string& rel, ProbedFile& f, const ScanOptions& opt) {
  const std::string ext = extension_of(f.name);
  f.sidecar = is_sidecar_extension(ext);
  UniqueFd fd(open_for_probe(root_fd, rel.c_str()));
  struct stat st;
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    const int err = fd.valid() ? (errno ? errno : EINVAL) : errno;
    f.problem = FileProblem::kUnreadable;
    return std::string("cannot read: ") + std::strerror(err);
  }
  f.size = static_cast<uint64_t>(st.st_size);
  PagedReader reader(fd.get(), f.size);

  if (f.sidecar) {
    if (f.size == 0) {
      f.sidecar_kind = SidecarKind::kEmpty;
    } else if (ext == "json") {
      f.sidecar_kind = SidecarKind::kJson;
    } else if (opt.classify_sidecars || f.size <= 64) {
      // Short files are read even unclassified: whitespace-only is empty.
      std::string text(std::min<uint64_t>(f.size, kSidecarReadLimit), '\0');
      long got = reader.read_at(0, text.data(), text.size());
      if (got < 0) {
        f.problem = FileProblem::kUnreadable;
        return std::string("cannot read sidecar: ") + std::strerror(errno);
      }
      text.resize(static_cast<size_t>(got));
      SidecarKind k = classify_sidecar_text(text, opt.tag_max_words);
      f.sidecar_kind = (!opt.classify_sidecars && k != SidecarKind::kEmpty) ? SidecarKind::kText : k;
    } else {
      f.sidecar_kind = SidecarKind::kText;
    }
    return {};
  }

  const FormatFamily ext_family = family_of_extension(ext);
  if (f.size == 0) {
    if (ext_family != FormatFamily::kNone) {
      f.problem = FileProblem::kZeroByte;
      return "zero-byte file";
    }
    return {};
  }
  if (!reader.load_head()) {
    f.problem = FileProblem::kUnreadable;
    return std::string("cannot read: ") + std::strerror(errno);
  }
  // The kind is decided by the first kSniffBytes alone.
  const MediaFormat sniffed = sniff_format(reader.head().first(std::min(reader.head().size(), kSniffBytes)));
  if (sniffed == MediaFormat::kUnknown) {
    if (ext_family != FormatFamily::kNone) {
      f.problem = FileProblem::kNotMedia;
      return "extension says ." + ext + " but the bytes are no known image or video format";
    }
    return {};
  }
  ProbeResult probe = probe_media(reader, sniffed);
  f.format = probe.format;
  if (probe.read_error) {
    f.problem = FileProblem::kUnreadable;
    return std::string("read error while checking the file: ") + std::strerror(errno);
  }
  if (probe.truncated) {
    f.problem = FileProblem::kTruncated;
    return "truncated: " + probe.detail;
  }
  if (ext_family != FormatFamily::kNone && ext_family != family_of_format(f.format)) {
    f.problem = FileProblem::kMislabelled;
    return "named ." + ext + " but is " + std::string(format_name(f.format)) + " (usable; sorted by its real format)";
  }
  return {};
}

}  // namespace

Result<ScanResult> scan_tree(const std::filesystem::path& root_in, const ScanOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  std::error_code ec;
  const auto root = std::filesystem::canonical(root_in, ec);
  if (ec) return Error{ErrorCode::kNotFound, "cannot open folder: " + ec.message(), root_in};
  UniqueFd root_fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd.valid()) return Error::from_errno(errno, "cannot open folder", root);

  if (opt.progress) opt.progress->begin("listing", 0);
  auto walked = walk_tree(root_fd.get(), root, opt.exclude, opt.progress);
  if (opt.progress) opt.progress->end();
  if (!walked) return walked.error();

  ScanResult out;
  out.root = root;
  out.symlinks = std::move(walked->symlinks);
  out.notes = std::move(walked->notes);
  for (auto& s : walked->special) out.notes.push_back({std::move(s), "not a regular file (FIFO, socket or device); left alone"});

  // One flat array of files so that probing spreads evenly over cores even
  // when a single folder holds a million files.
  std::vector<ProbedFile> files;
  std::vector<uint32_t> file_dir;
  std::vector<size_t> dir_begin;
  for (uint32_t d = 0; d < walked->dirs.size(); ++d) {
    dir_begin.push_back(files.size());
    for (auto& name : walked->dirs[d].files) {
      ProbedFile f;
      f.name = std::move(name);
      files.push_back(std::move(f));
      file_dir.push_back(d);
    }
    walked->dirs[d].files = {};
    out.dirs.push_back(walked->dirs[d].path);
  }
  dir_begin.push_back(files.size());

  std::vector<std::string> file_notes(files.size());
  if (opt.progress) opt.progress->begin("probing", files.size());
  tbb::parallel_for(tbb::blocked_range<size_t>(0, files.size(), 256), [&](const tbb::blocked_range<size_t>& r) {
    std::string rel;
    for (size_t i = r.begin(); i < r.end(); ++i) {
      const std::string& dir = out.dirs[file_dir[i]];
      rel.assign(dir.empty() ? std::string() : dir + "/");
      rel += files[i].name;
      file_notes[i] = probe_file(root_fd.get(), rel, files[i], opt);
    }
    if (opt.progress) opt.progress->advance(r.size());
  });
  if (opt.progress) opt.progress->end();

  for (size_t i = 0; i < files.size(); ++i) {
    if (file_notes[i].empty()) continue;
    const std::string& dir = out.dirs[file_dir[i]];
    out.notes.push_back({dir.empty() ? files[i].name : dir + "/" + files[i].name, std::move(file_notes[i])});
  }
  file_notes = {};
  file_dir = {};

  for (uint32_t d = 0; d + 1 < dir_begin.size(); ++d) {
    std::vector<ProbedFile> in_dir(std::make_move_iterator(files.begin() + static_cast<std::ptrdiff_t>(dir_begin[d])),
                                   std::make_move_iterator(files.begin() + static_cast<std::ptrdiff_t>(dir_begin[d + 1])));
    pair_sidecars(std::move(in_dir), d, out.dirs[d], out.items, out.notes);
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.unreadable_dirs = walked->unreadable_dirs;
  out.special_files = walked->special.size();
  return out;
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
