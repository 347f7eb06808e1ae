// Scanning a tree: what is there, what each file really is, which sidecars
// belong to which media file, and what is broken.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tagforge/error.h"
#include "tagforge/item.h"
#include "tagforge/progress.h"

namespace tagforge {

class ProbeMemo;

struct ScanOptions {
  // A sidecar whose comma-separated items are mostly (80 %) of at most this
  // many words is a tag list; otherwise it is a caption.
  int tag_max_words = 4;
  // Read sidecars to tell tags from captions. Off: only their size is looked
  // at (empty or not), which is all sorting needs.
  bool classify_sidecars = true;
  // When set, tag sidecars are read for an entry equal to this tag (the
  // scorer's `needs_review` mark) and Sidecar::review says whether it is there.
  std::string review_tag;
  // Absolute subtrees not to enter (the sort destination when it lies inside).
  std::vector<std::filesystem::path> exclude;
  ProgressSink* progress = nullptr;  // may be null
  // scan_folders only: what earlier scans learnt (may be null). A file whose stamp
  // still matches is stat'ed, not opened; what was probed anew is kept in it.
  ProbeMemo* memo = nullptr;
  // Sidecars read to classify them keep their text (Sidecar::text) when they are
  // read whole (up to 64 KiB): the caller need not read them again.
  bool keep_text = false;
};

// What probing found in one file, for a ProbeMemo. A zero stamp: never to be trusted.
struct ProbedFile {
  FileStamp stamp;
  MediaFormat format = MediaFormat::kUnknown;  // media
  FileProblem problem = FileProblem::kNone;
  SidecarKind kind = SidecarKind::kEmpty;      // sidecars
  bool review = false;
  bool has_text = false;
  std::string text;
};

// A store of earlier probes, one folder at a time, so that the scan of a tree
// that mostly has not changed (a re-run over the same input) opens only what did.
// The options that decide what a probe finds (review tag, classification) must
// be the same for every scan that shares one memo.
class ProbeMemo {
 public:
  virtual ~ProbeMemo() = default;
  // The folder's files (`dir` relative to the root, "" the root) as last probed, by name.
  virtual std::unordered_map<std::string, ProbedFile> recall(const std::string& dir) = 0;
  // Every file of the folder as probed now; called only when that differs from recall's.
  virtual void keep(const std::string& dir, std::vector<std::pair<std::string, ProbedFile>>&& files) = 0;
};

// Something worth telling the user about one path; the scan goes on.
struct ScanNote {
  std::string path;  // relative to the root, raw bytes
  std::string message;
};

struct ScanCounts {
  uint64_t files = 0;  // regular files seen
  uint64_t images = 0, animations = 0, videos = 0;  // usable media
  uint64_t tagged = 0, untagged = 0;                 // of usable media
  uint64_t sidecar_tags = 0, sidecar_captions = 0, sidecar_text = 0, sidecar_json = 0, sidecar_aseg = 0,
           sidecar_mask = 0, sidecar_empty = 0;
  uint64_t orphan_sidecars = 0;
  uint64_t unknown = 0;  // files of no known format (orphan sidecars not included)
  uint64_t zero_byte = 0, truncated = 0, extension_lies = 0, unreadable = 0;
  uint64_t mislabelled = 0;  // usable media under another format's extension
  uint64_t symlinks = 0, special = 0, unreadable_dirs = 0;
  uint64_t broken() const { return zero_byte + truncated + extension_lies + unreadable; }
};

struct ScanResult {
  std::filesystem::path root;      // absolute
  std::vector<std::string> dirs;   // relative directory paths; dirs[0] == "" (the root)
  std::vector<Item> items;         // sorted by directory, then natural name order
  std::vector<std::string> symlinks;  // relative paths; never followed, never moved
  std::vector<ScanNote> notes;     // problems and warnings, with paths
  uint64_t special_files = 0;      // FIFOs, sockets, devices: left alone
  uint64_t unreadable_dirs = 0;
  double seconds = 0;

  ScanCounts counts() const;
  std::string relative_path(const Item& item) const;
  std::string relative_path(const Item& item, std::string_view file_name) const;
};

// Walks `root`. Never follows a symlink (so never leaves the root), skips the
// root's .tagforge folder, reads at most the first 64 bytes of a file to know
// its format plus a few small structural reads to check it is whole.
// Errors about single files and folders are notes; only an unreadable root fails.
Result<ScanResult> scan_tree(const std::filesystem::path& root, const ScanOptions& options);

// The same scan one folder at a time, for trees too big to hold: `visit` gets
// each folder's items (dirs == {its path}, every item's dir 0) with the notes
// found so far, in scan_tree's order, and may move from them. Memory holds one
// folder. An error from `visit` stops the scan and is returned.
Status scan_folders(const std::filesystem::path& root, const ScanOptions& options,
                    const std::function<Status(ScanResult&&)>& visit);

// The names of each folder's regular files, as scan_folders walks the tree (the same
// folders, in the same order; the names unsorted), without a stat or an open of any file:
// what a look for files added or removed needs. `dir` is the folder's path relative to
// `root` ("": the root).
Status list_folders(const std::filesystem::path& root, const std::vector<std::filesystem::path>& exclude,
                    const std::function<Status(const std::string& dir, const std::vector<std::string>& files)>& visit);

// Human summary (several lines) and JSON.
std::string format_scan_summary(const ScanResult& scan);
std::string scan_to_json(const ScanResult& scan);

// Classifies sidecar text (exposed for tests and fuzzing).
SidecarKind classify_sidecar_text(std::string_view text, int tag_max_words);

}  // namespace tagforge
