// Sorting a tree into numbered buckets, journaled and undoable.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tagforge/error.h"
#include "tagforge/progress.h"
#include "tagforge/scan.h"

namespace tagforge {

// Where an item goes. Several classes may share a folder name (broken files
// share "unknown_files" by default); renaming a class's folder to another
// class's folder merges them.
enum class SortClass : uint8_t {
  kImages,           // usable image with a tag or caption sidecar
  kMissingTags,      // usable image without one
  kGifs,             // animations: animated GIF, APNG, animated WebP, AVIF sequences
  kVideos,           // MP4/MOV, WebM/MKV, AVI
  kProcessedGifs,    // frames extracted from an animation: <stem>_f<N>.<image ext>
  kProcessedVideos,  // frames extracted from a video
  kUnknown,          // files of no known format, sidecars with no media
  kBroken,           // zero-byte, truncated, or bytes that are no media at all
  kReview,           // usable media whose tag file carries the review mark (`needs_review`)
  kDuplicates,       // a near or exact copy of an image kept elsewhere (only `tagforge run`'s dedupe files it)
  kLowQuality,       // a still that failed the [quality] gate (only `tagforge run`'s quality stage files it)
};
inline constexpr size_t kSortClassCount = 11;

// "images", "missing_tags", "gifs", "videos", "processed_gifs",
// "processed_videos", "unknown", "broken", "review", "duplicates",
// "low_quality": the keys of --folder.
std::string_view sort_class_key(SortClass c);
bool parse_sort_class(std::string_view key, SortClass* out);

struct SortOptions {
  std::filesystem::path dest;  // empty: sort in place
  size_t bucket_size = 1000;   // media files per bucket; sidecars travel along
  bool copy = false;           // hard-link (or copy across devices) instead of moving
  bool dry_run = false;        // plan only; nothing on disk changes
  bool plan_text = true;       // dry run: also the printable "SRC -> DST" lines (not only plan_paths)
  bool animations = true;      // false: animations and frames sort as images
  // Re-plan every file. Without it, files already in a bucket of their class
  // stay put and only newcomers (and overflow of over-full buckets) move.
  bool rebalance = false;
  // Moves per journal batch: each batch costs one fsync, and its files move
  // while the next batch is planned. Small values are for crash tests.
  size_t journal_batch = 8192;
  std::array<std::string, kSortClassCount> folder = {
      "images", "missing_tags", "gifs", "videos", "processed_gifs", "processed_videos", "unknown_files",
      "unknown_files", "review", "duplicates", "low_quality"};
  // Media whose tag file holds this tag go to the review class; empty: no
  // review class (tag files are then read only when tiny).
  std::string review_tag = "needs_review";
  ScanOptions scan;
  ProgressSink* progress = nullptr;
};

struct BucketCount {
  std::string folder;  // e.g. "images_3"
  uint64_t items = 0;  // media files planned into it by this run
};

struct SortReport {
  std::filesystem::path source;
  std::filesystem::path dest;
  std::filesystem::path journal;     // empty when nothing was to be done or dry run
  bool resumed = false;              // an interrupted sort was finished first
  uint64_t resumed_moves = 0;
  uint64_t items = 0;                // items seen
  uint64_t items_in_place = 0;       // already where they belong
  uint64_t planned_files = 0;        // file operations planned
  uint64_t moved = 0, linked = 0, copied = 0;  // done by this run
  uint64_t renamed = 0;              // items given a suffix to avoid a collision
  uint64_t removed_dirs = 0;         // source folders left empty and removed
  std::vector<std::string> plan;     // dry run: "SRC -> DST", printable
  // Dry run: the same as raw paths, relative to the source and to the destination.
  std::vector<std::pair<std::string, std::string>> plan_paths;
  std::vector<BucketCount> buckets;  // per bucket this run fills
  std::vector<ScanNote> failures;    // files that could not be moved; left in place
  std::vector<ScanNote> notes;       // from the scan
  ScanCounts counts;
  double seconds = 0;
  // Where the time went. Listing walks the tree; `early` probes the files
  // that decide where others go; the stream probes the rest ahead of the
  // moves, so its parts overlap: `waiting` (for probes), `journal`
  // (writing and syncing batches) and `moves` (the renames) lie inside it.
  // `finish` is the final sync and folder clean-up.
  struct Phases {
    double list = 0, early = 0, stream = 0, waiting = 0, journal = 0, moves = 0, finish = 0;
  } phases;
};

// Sorts `dir` (see SortOptions). Takes a lock on dir/.tagforge; finishes an
// interrupted sort of the same folder first. Failures of single files are in
// the report; an error result means nothing (more) was done.
Result<SortReport> sort_tree(const std::filesystem::path& dir, const SortOptions& options);

struct UndoReport {
  std::filesystem::path journal;
  uint64_t restored = 0;        // files moved back
  uint64_t removed_copies = 0;  // links/copies of a --copy sort removed
  uint64_t already = 0;         // already at their original place
  uint64_t recreated_dirs = 0;
  std::vector<ScanNote> failures;
  double seconds = 0;
};

// `target` is a folder (its latest sort that is not yet undone) or a journal
// file. Idempotent: running it again after an interruption finishes the job.
Result<UndoReport> undo_sort(const std::filesystem::path& target, ProgressSink* progress);

std::string format_sort_summary(const SortReport& r);
std::string sort_to_json(const SortReport& r);
std::string format_undo_summary(const UndoReport& r);
std::string undo_to_json(const UndoReport& r);

}  // namespace tagforge
