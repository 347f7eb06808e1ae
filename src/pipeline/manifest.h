// The run's manifest: an SQLite database (WAL) in OUT/.tagforge/manifest.sqlite
// with one row per item and one per finished stage of each item. A stage's
// row holds the fingerprint of what it was computed from (its options, its
// model, its inputs; see fingerprint.h) and its result as JSON, or its
// error, and whether it is to be computed again (StageResult::retry). A re-run
// takes a result whose fingerprint still matches, unless it is to be retried,
// instead of computing it again; a batch's rows are committed in one transaction, so a
// kill loses at most the batches in flight.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/sqlite_db.h"
#include "tagforge/error.h"
#include "tagforge/scan.h"


namespace tagforge {

struct ManifestItem {
  std::string path;    // relative to the work folder (the input's layout); the key
  std::string hash;    // content hash (content_hash.h)
  std::string stat;    // "size:mtime_ns:inode" when hashed: the hash is reused while it holds
  std::string kind;    // "image", "frame", "animation", "video", "other"
  std::string source;  // frames: the clip's path; else empty
  std::string error;   // the item's last error; empty: none
  bool operator==(const ManifestItem&) const = default;
};

struct StageResult {
  std::string fingerprint;
  std::string data;   // JSON (or text) of the result
  std::string error;  // non-empty: the stage failed on this item with this message
  // 0: final. A failure is final when it is the item's own (a broken image):
  // only --retry-failed computes it again. > 0: it came from a transient fault
  // (an inference error, an LLM that did not answer) and the next run computes
  // it again: a failure always, a fallback result (data and no error, such as
  // the tags' caption where an LLM's was wanted) while fewer than
  // [run] fallback_runs runs in a row have fallen back; the count is `retry`.
  int retry = 0;
  // `data` parsed, once it is asked for (stage_json in item_stages.h): a pass
  // over every item asks several times per result.
  mutable std::shared_ptr<const nlohmann::ordered_json> parsed = nullptr;
};

// A file the run placed in OUT (exported_after).
struct ExportedFile {
  std::string path;    // relative to OUT
  std::string source;  // relative to the work folder
  std::string stamp;   // "size:mtime_ns:inode" of the link when placed; "" when not known
};

// An image the run's dedupe set aside (issue 21): a copy of `keeper`, and how near.
struct DuplicateRow {
  std::string path, keeper;  // relative to the work folder
  bool exact = false;        // the same bytes
  int dct = 0, centre = 0;   // the perceptual hashes' distances (bits of 64) to the keeper's
  bool mirrored = false;     // measured against the keeper's mirror image
  bool operator==(const DuplicateRow&) const = default;
};

// Thread-safe: every call holds the manifest's lock (the pipeline reads a
// batch's rows on one thread while another commits the previous batch).
class Manifest {
 public:
  // Creates or opens; errors name the file (not a database, locked, a newer schema).
  static Result<std::unique_ptr<Manifest>> open(const std::filesystem::path& file);
  ~Manifest();
  Manifest(const Manifest&) = delete;
  Manifest& operator=(const Manifest&) = delete;

  const std::filesystem::path& file() const { return db_->file(); }

  // All statements between begin() and commit() land together or not at all.
  Status begin();
  Status commit();
  // Runs `body` in one read transaction, unless one is open already: WAL's
  // read lock is taken once, not once per statement (a pass over every
  // item's rows). Other threads' calls wait until it returns.
  Status reading(const std::function<Status()>& body);

  Status put_item(const ManifestItem& item);
  // put_item unless the row already says exactly this (a settled re-run writes nothing).
  Status put_item_if_changed(const ManifestItem& item);
  // The item's error; a row that already holds it is not written.
  Status set_item_error(const std::string& path, const std::string& message);
  Result<std::optional<ManifestItem>> item(const std::string& path);
  Result<std::vector<ManifestItem>> items();
  // The same one at a time, in path order, without holding them all; `visit` may read and write.
  Status for_each_item(const std::function<Status(const ManifestItem&)>& visit);

  Status put_result(const std::string& path, const std::string& stage, const StageResult& result);
  Result<std::optional<StageResult>> result(const std::string& path, const std::string& stage);
  Status remove_result(const std::string& path, const std::string& stage);
  // The items whose `stage` result (JSON, not failed) has `key` true, in path order.
  Result<std::vector<std::string>> paths_with_result_flag(const std::string& stage, const std::string& key);
  // Every item's `stage` result that did not fail, in path order: path -> result.
  Result<std::vector<std::pair<std::string, StageResult>>> stage_results(const std::string& stage);
  // Every stage result of one item: stage -> result.
  Result<std::vector<std::pair<std::string, StageResult>>> results(const std::string& path);
  // The same for several items in one read transaction (WAL's read lock taken
  // once, not once per item: a settled run reads every row).
  Result<std::vector<std::vector<std::pair<std::string, StageResult>>>> results_of(
      const std::vector<std::string>& paths);
  // The results of items asked for in bytewise path order, read in one pass over the table: a
  // step a row, not a lookup an item (a pass over every item's results). One at a time, inside
  // reading(); a path not asked for is skipped.
  class ResultsInOrder {
   public:
    explicit ResultsInOrder(Manifest& manifest);
    // REQUIRES: `path` is not before the path asked for last.
    Result<std::vector<std::pair<std::string, StageResult>>> of(const std::string& path);

   private:
    Manifest& m_;
    OrderedCursor cursor_;
  };

  // One record of the items asked for in bytewise path order (the row of `stage` only), in
  // one pass as ResultsInOrder; nullopt for an item without one.
  class RecordInOrder {
   public:
    RecordInOrder(Manifest& manifest, const std::string& stage);
    // REQUIRES: `path` is not before the path asked for last.
    Result<std::optional<StageResult>> of(const std::string& path);

   private:
    Manifest& m_;
    OrderedCursor cursor_;
  };

  // The files the run has placed in the output's buckets (relative to OUT),
  // each with its source (relative to the work folder): only these are ever
  // removed from there again, and an edited sidecar is placed again from its source.
  Result<std::vector<std::string>> exported();
  // At most `limit` of them that sort after `after` (bytewise), in order: a walk
  // in pages, without holding them all, that may remove what it has read between them.
  Result<std::vector<ExportedFile>> exported_after(const std::string& after, size_t limit);
  // Those from `first` to `last` (both included, bytewise), in order.
  Result<std::vector<ExportedFile>> exported_between(const std::string& first, const std::string& last);
  Status add_exported(const std::vector<std::pair<std::string, std::string>>& paths);  // path, source; no stamp
  // One more, inside the caller's transaction (begin/commit). `stamp`: the placed file's
  // "size:mtime:ino", or "" when not known.
  Status note_exported(const std::string& path, const std::string& source, const std::string& stamp);
  // Where the run placed a file of the work folder (relative to OUT).
  Result<std::vector<std::string>> exported_from(const std::string& source);
  Status remove_exported(const std::vector<std::string>& paths);

  // The images the last run's dedupe set aside, in path order.
  Result<std::vector<DuplicateRow>> duplicates();
  // Replaces them all; a table that already holds exactly `rows` is not written.
  Status replace_duplicates(const std::vector<DuplicateRow>& rows);

  // Takes every item and result row of another manifest (a shard's), its
  // rows replacing ours where the keys meet. The exported table is not taken.
  Status absorb(const std::filesystem::path& other);

  // The probe memo (ProbeMemo, scan.h) of a scope ("in …", "work …": a tree and the scan
  // options): what the scan found in each file of a folder, while its stamp holds. A cache:
  // not merged by absorb, and a scope no longer used goes with forget_probes_but.
  Result<std::unordered_map<std::string, ProbedFile>> probes(const std::string& scope, const std::string& dir);
  // How many files of the folder it holds (an index's count: no row is read).
  Result<uint64_t> probe_count(const std::string& scope, const std::string& dir);
  // Replaces the folder's rows (in a transaction of its own unless the caller has one open).
  Status put_probes(const std::string& scope, const std::string& dir,
                    const std::vector<std::pair<std::string, ProbedFile>>& files);
  // Drops the rows of every scope that starts with `prefix` except `keep`.
  Status forget_probes_but(const std::string& prefix, const std::string& keep);

  // Run-level values ("config", …).
  Status put_meta(const std::string& key, const std::string& value);
  Result<std::optional<std::string>> meta(const std::string& key);

 private:
  Manifest() = default;
  Status exec(const char* sql);
  Result<bool> has_column(const char* table, const char* column);
  Error error(const std::string& what) const;
  // The rows of a bound SELECT of the exported table's path, source and stamp, in its order.
  Result<std::vector<ExportedFile>> exported_rows(Statement& select);
  // A prepared statement for `sql`, made once and reset for each use.
  sqlite3_stmt* statement(const char* sql);
  std::unique_ptr<SqliteDb> db_;
  std::recursive_mutex mu_;
};

}  // namespace tagforge
