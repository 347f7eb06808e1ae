// The move journal: an append-only, checksummed, fsync'd record of every file
// operation a sort makes, written *before* the operations happen, so that a
// crash at any instant leaves enough on disk to finish the job or undo it.
//
// On-disk framing, one record after another (little-endian):
//   u32 crc32c(type byte + payload)   u32 payload length   u8 type   payload
// A record cut short at the end of the file (a crash while appending) is a
// torn tail: readers ignore it and writers that reopen the file cut it off.
// A bad record anywhere else is corruption and an error.
//
// The life of one journal:
//   HEADER
//   (MKDIR*, MOVE*, BATCH)*  <- each batch is fsync'd before any of its moves
//                               happens; the sort plans the next batch while
//                               the files of earlier ones are moving
//   PLAN_END                 <- every batch is written
//   RMDIR*                   <- fsync'd before those directories go
//   END                      <- fsync'd once everything is done
//   UNDO_START, UNDONE       <- written by `tagforge undo`
// MKDIR and MOVE records count only once a BATCH or PLAN_END closes them:
// ones left open by a crash never happened, and readers drop them (version 1
// journals have no BATCH: PLAN_END closes the one plan).
// Paths in records are relative: MOVE.src and RMDIR to the source root,
// MOVE.dst and MKDIR to the destination root. They are raw bytes (any name
// Linux allows, newlines and invalid UTF-8 included).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tagforge/error.h"

namespace tagforge {

inline constexpr uint32_t kJournalVersion = 2;  // reads 1 and 2

enum class JournalOp : uint8_t {
  kMove = 1,  // the file leaves src for dst
  kCopy = 2,  // dst becomes a hard link to src or, across devices, a copy
};

struct JournalHeader {
  uint32_t version = kJournalVersion;
  std::string command;      // "sort"
  std::string source_root;  // absolute, as it was when the journal was written
  std::string dest_root;    // absolute; equal to source_root when in place
  bool in_place = true;
  int64_t created_unix = 0;
};

struct JournalMove {
  JournalOp op = JournalOp::kMove;
  bool renamed = false;  // dst's name differs from src's (a collision suffix)
  std::string src;
  std::string dst;
};

struct JournalDir {
  std::string path;
  uint32_t mode = 0755;
};

struct JournalContents {
  JournalHeader header;
  std::vector<std::string> mkdirs;  // in creation order; closed batches only
  std::vector<JournalMove> moves;   // in execution order; closed batches only
  std::vector<JournalDir> rmdirs;   // in removal order (deepest first)
  uint64_t batches = 0;        // BATCH records seen
  bool plan_complete = false;  // PLAN_END seen: every batch is written
  bool finished = false;       // END seen
  bool undo_started = false;
  bool undone = false;
  bool torn_tail = false;      // the last record was cut short

  // Some moves may have happened: the journal is more than a void start.
  bool started() const { return plan_complete || batches > 0; }
};

// An empty file, or one cut short before its first BATCH or PLAN_END, reads
// as a void journal (started() false): it was killed before anything moved.
Result<JournalContents> read_journal(const std::filesystem::path& path);

class JournalWriter {
 public:
  // Creates a new journal; fails if `path` exists.
  static Result<JournalWriter> create(const std::filesystem::path& path);
  // Reopens a journal to append, cutting off a torn tail and any MKDIR and
  // MOVE records no batch closed.
  static Result<JournalWriter> reopen(const std::filesystem::path& path);

  JournalWriter(JournalWriter&& o) noexcept;
  JournalWriter& operator=(JournalWriter&&) = delete;
  JournalWriter(const JournalWriter&) = delete;
  ~JournalWriter();

  void add_header(const JournalHeader& h);
  void add_mkdir(std::string_view rel);
  void add_move(const JournalMove& m);
  // Closes the MKDIR and MOVE records since the last BATCH.
  void add_batch(uint64_t moves_in_batch);
  void add_plan_end(uint64_t move_count);
  void add_rmdir(const JournalDir& d);
  void add_end();
  void add_undo_start();
  void add_undone();

  // Writes buffered records; sync() also fsyncs. Records are buffered in
  // memory until one of these, so a plan of 1M moves costs one fsync.
  [[nodiscard]] Status flush();
  [[nodiscard]] Status sync();

  const std::filesystem::path& path() const { return path_; }

 private:
  JournalWriter(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  void add_record(uint8_t type, const std::string& payload);

  int fd_ = -1;
  std::filesystem::path path_;
  std::string buffer_;
  std::optional<Error> pending_error_;
};

}  // namespace tagforge
