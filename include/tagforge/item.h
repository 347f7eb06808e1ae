// The Item: one media file (or one file we could not identify) with the
// sidecar files that travel with it. Scanning fills the fields below; later
// stages (tagging, captioning, scoring) add theirs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tagforge {

// What a file's bytes say it is (not its extension).
enum class MediaFormat : uint8_t {
  kUnknown,
  kJpeg,
  kPng,
  kApng,          // PNG with an acTL chunk announcing 2+ frames
  kGif,           // one frame
  kGifAnimated,   // two or more frames
  kWebp,
  kWebpAnimated,
  kBmp,
  kAvif,
  kAvifSequence,  // 'avis' brand
  kHeif,
  kJxl,
  kMp4,
  kMov,
  kWebm,
  kMkv,
  kAvi,
};

enum class MediaKind : uint8_t { kUnknown, kImage, kAnimation, kVideo };

MediaKind media_kind(MediaFormat f);
std::string_view format_name(MediaFormat f);  // "jpeg", "gif-animated", …
std::string_view kind_name(MediaKind k);      // "image", "animation", …

enum class SidecarKind : uint8_t {
  kTags,     // a comma-separated list of short items
  kCaption,  // prose
  kText,     // non-empty text not classified (scan run without classification)
  kJson,     // metadata, e.g. gallery-dl's a.png.json
  kSegmentation,  // detections, tagforge's a.aseg (docs/ASEG.md)
  kMask,          // a subject mask, tagforge's a.mask.png
  kEmpty,    // empty or whitespace only
};
std::string_view sidecar_kind_name(SidecarKind k);

// A file as it is now: size, modification time (ns) and inode. While all three
// hold, it is the file an earlier look found (a re-run trusts what it learnt then).
struct FileStamp {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t ino = 0;
  bool operator==(const FileStamp&) const = default;
};

struct Sidecar {
  std::string name;  // file name, in the item's directory
  SidecarKind kind = SidecarKind::kEmpty;
  uint64_t size = 0;
  bool review = false;  // holds ScanOptions::review_tag (when the scan looked)
  FileStamp stamp;
  bool recalled = false;  // from ScanOptions::memo, not opened
  bool has_text = false;  // `text` is the whole file (ScanOptions::keep_text)
  std::string text;
};

enum class FileProblem : uint8_t {
  kNone,
  kZeroByte,       // empty file with a media extension
  kTruncated,      // the format's structure ends before the file does
  kNotMedia,       // a media extension, but the bytes are no known format
  kMislabelled,    // real media under another format's extension: usable
  kUnreadable,     // open or read failed
};
std::string_view problem_name(FileProblem p);

struct Item {
  uint32_t dir = 0;          // index into the scan's directory table
  std::string name;          // file name within that directory
  uint64_t size = 0;
  MediaFormat format = MediaFormat::kUnknown;
  FileProblem problem = FileProblem::kNone;
  bool orphan_sidecar = false;  // a .txt/.caption/.json with no media beside it
  std::vector<Sidecar> sidecars;
  FileStamp stamp;
  bool recalled = false;  // from ScanOptions::memo, not opened

  MediaKind kind() const { return media_kind(format); }
  // A file a training tool can read: a known format and not broken.
  bool usable() const { return kind() != MediaKind::kUnknown && !broken(); }
  bool broken() const {
    return problem == FileProblem::kZeroByte || problem == FileProblem::kTruncated ||
           problem == FileProblem::kNotMedia || problem == FileProblem::kUnreadable;
  }
  // Has a non-empty tag, caption or unclassified text sidecar.
  bool tagged() const;
  // A sidecar carries the review mark (see ScanOptions::review_tag).
  bool needs_review() const {
    for (const Sidecar& s : sidecars) {
      if (s.review) return true;
    }
    return false;
  }
};

}  // namespace tagforge
