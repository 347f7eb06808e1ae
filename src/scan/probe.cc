#include "scan/probe.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>

#include "core/fs_ops.h"
#include "scan/integrity.h"
#include "scan/media_format.h"
#include "scan/sniff.h"

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

// Opens `rel` as a regular file and reads its size and stamp; "" or why not.
std::string open_regular(int root_fd, const std::string& rel, UniqueFd& fd, uint64_t& size, FileStamp& stamp) {
  fd = UniqueFd(open_for_probe(root_fd, rel.c_str()));
  struct stat st;
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    const int err = fd.valid() ? (errno ? errno : EINVAL) : errno;
    return std::string("cannot read: ") + std::strerror(err);
  }
  size = static_cast<uint64_t>(st.st_size);
  stamp = stamp_of(st);
  return {};
}

constexpr size_t kSidecarReadLimit = 64 * 1024;

// Is `tag` one of the comma-separated entries of `text`?
bool has_entry(std::string_view text, std::string_view tag) {
  for (size_t at = text.find(tag); at != std::string_view::npos; at = text.find(tag, at + 1)) {
    size_t b = at, e = at + tag.size();
    while (b > 0 && (text[b - 1] == ' ' || text[b - 1] == '\t')) --b;
    while (e < text.size() && (text[e] == ' ' || text[e] == '\t' || text[e] == '\r' || text[e] == '\n')) ++e;
    if ((b == 0 || text[b - 1] == ',' || text[b - 1] == '\n') && (e == text.size() || text[e] == ',')) return true;
  }
  return false;
}

// Fills `kind`, `size` and `review` for the sidecar at `rel`; returns a note, or "".
// With ScanOptions::keep_text, a sidecar read whole keeps its text in `*text`.
std::string probe_sidecar_file(int root_fd, const std::string& rel, std::string_view name, const ScanOptions& opt,
                               SidecarKind& kind, uint64_t& size, bool& review, FileStamp& stamp,
                               Sidecar* text_out = nullptr) {
  const std::string ext = extension_of(name);
  UniqueFd fd;
  if (std::string why = open_regular(root_fd, rel, fd, size, stamp); !why.empty()) return why;
  if (is_mask_sidecar_name(name)) {
    kind = SidecarKind::kMask;  // even empty: it is ours, not a tag list
  } else if (size == 0) {
    kind = SidecarKind::kEmpty;
  } else if (ext == "json") {
    kind = SidecarKind::kJson;
  } else if (ext == "aseg") {
    kind = SidecarKind::kSegmentation;
  } else if (opt.classify_sidecars || size <= 64 || !opt.review_tag.empty()) {
    // Short files are read even unclassified: whitespace-only is empty.
    PagedReader reader(fd.get(), size);
    std::string text(std::min<uint64_t>(size, kSidecarReadLimit), '\0');
    const long got = reader.read_at(0, text.data(), text.size());
    if (got < 0) return std::string("cannot read sidecar: ") + std::strerror(errno);
    text.resize(static_cast<size_t>(got));
    const SidecarKind k = classify_sidecar_text(text, opt.tag_max_words);
    kind = (!opt.classify_sidecars && k != SidecarKind::kEmpty) ? SidecarKind::kText : k;
    review = !opt.review_tag.empty() && k == SidecarKind::kTags && has_entry(text, opt.review_tag);
    if (text_out && opt.keep_text && text.size() == size) {
      text_out->text = std::move(text);
      text_out->has_text = true;
    }
  } else {
    kind = SidecarKind::kText;
  }
  return {};
}

// Fills the format, size and problem of the media file at `rel`.
std::string probe_media_file(int root_fd, const std::string& rel, Item& f) {
  const std::string ext = extension_of(f.name);
  UniqueFd fd;
  if (std::string why = open_regular(root_fd, rel, fd, f.size, f.stamp); !why.empty()) {
    f.problem = FileProblem::kUnreadable;
    return why;
  }
  PagedReader reader(fd.get(), f.size);
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

const ProbedFile* ItemProber::recall(const std::string& rel, const std::string& name, FileStamp& stamp) const {
  if (!remembered_) return nullptr;
  auto hit = remembered_->find(name);
  if (hit == remembered_->end()) return nullptr;
  struct stat st;
  if (::fstatat(root_fd_, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) return nullptr;
  stamp = stamp_of(st);
  return hit->second.stamp == stamp ? &hit->second : nullptr;
}

std::string ItemProber::relative(uint32_t dir, const std::string& name) const {
  const std::string& d = scan_.dirs[dir];
  if (d.empty()) return name;
  std::string rel;
  rel.reserve(d.size() + 1 + name.size());
  rel += d;
  rel += '/';
  rel += name;
  return rel;
}

void ItemProber::probe(Item& item, std::vector<ScanNote>& notes) const {
  std::string rel = relative(item.dir, item.name);
  std::string note;
  if (const ProbedFile* known = recall(rel, item.name, item.stamp)) {
    item.size = item.stamp.size;
    item.format = known->format;
    item.problem = known->problem;
    item.recalled = true;
  } else if (item.orphan_sidecar) {
    SidecarKind unused = SidecarKind::kEmpty;
    bool unused_review = false;
    note = probe_sidecar_file(root_fd_, rel, item.name, opt_, unused, item.size, unused_review, item.stamp);
  } else {
    note = probe_media_file(root_fd_, rel, item);
  }
  if (!note.empty()) notes.push_back({std::move(rel), std::move(note)});
  for (Sidecar& s : item.sidecars) probe_sidecar(item.dir, s, notes);
}

void ItemProber::probe_sidecar(uint32_t dir, Sidecar& s, std::vector<ScanNote>& notes) const {
  std::string rel = relative(dir, s.name);
  std::string note;
  if (const ProbedFile* known = recall(rel, s.name, s.stamp)) {
    s.size = s.stamp.size;
    s.kind = known->kind;
    s.review = known->review;
    s.has_text = known->has_text;
    s.text = known->text;
    s.recalled = true;
  } else {
    note = probe_sidecar_file(root_fd_, rel, s.name, opt_, s.kind, s.size, s.review, s.stamp, &s);
  }
  if (!note.empty()) notes.push_back({std::move(rel), std::move(note)});
}

}  // namespace tagforge
