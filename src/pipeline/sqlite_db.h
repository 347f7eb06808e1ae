// What the manifest and the scratch database share: one SQLite connection
// with its prepared statements cached, errors that name the file, and
// statements used one row at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "tagforge/error.h"

namespace tagforge {

// One use of a prepared statement: bound, stepped, and reset (its bindings
// cleared) when the use ends, so a cached statement is ready again.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement() { reset(); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  Statement& bind(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.data(), int(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind_null(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  int step() { return sqlite3_step(stmt_); }
  void reset() {
    if (!stmt_) return;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string text(int col) const {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), size_t(sqlite3_column_bytes(stmt_, col))) : "";
  }
  // The text without a copy, valid until the next step or reset.
  std::string_view view(int col) const {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    return p ? std::string_view(reinterpret_cast<const char*>(p), size_t(sqlite3_column_bytes(stmt_, col)))
             : std::string_view();
  }
  int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// A walk in key order over a statement whose first `?` is the first key and
// whose rows come ordered by their first column (bytewise, SQLite's BINARY
// collation): each seek() passes over the rows before its key and hands on
// the rows at it, so keys asked for in order cost one pass over the table.
class OrderedCursor {
 public:
  explicit OrderedCursor(sqlite3_stmt* stmt) : s_(stmt) {}
  bool ok() const { return s_.ok(); }
  // A parameter after the key (`i` > 1), bound before the first seek.
  OrderedCursor& bind(int i, const std::string& value) {
    if (s_.ok()) s_.bind(i, value);
    return *this;
  }
  // REQUIRES: `key` is not before the key sought last. False: SQLite failed.
  bool seek(std::string_view key, const std::function<void(const Statement&)>& at_key);

 private:
  Statement s_;
  int rc_ = SQLITE_ROW;
  bool started_ = false;
};

class SqliteDb {
 public:
  // Who keeps two threads from using the connection at once.
  enum class Serialized {
    kBySqlite,  // SQLite's own mutex (FULLMUTEX): any thread, any time
    kByCaller,  // the owner's lock, or one thread (NOMUTEX: no mutex per call)
  };
  // Opens (creating) `file`; errors read "<what>: <doing>: <SQLite's message>"
  // with `code` and the file.
  static Result<std::unique_ptr<SqliteDb>> open(const std::filesystem::path& file, std::string what, ErrorCode code,
                                                Serialized serialized = Serialized::kBySqlite);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  sqlite3* handle() const { return db_; }
  const std::filesystem::path& file() const { return file_; }

  // A statement for `sql` (a string literal: its address is the key), made once.
  sqlite3_stmt* statement(const char* sql);
  Status exec(const char* sql);
  Error error(const std::string& doing) const;
  // Whether `sql` (one `?` for `key`) finds a row; `doing` names the lookup in errors.
  Result<bool> has_row(const char* sql, const std::string& key, const char* doing);
  // Runs `sql` (one `?` for `key`, no rows back) to its end; `doing` names it in errors.
  Status run(const char* sql, const std::string& key, const char* doing);
  // Each row of `sql` on a statement of its own (not the cached one), so
  // `visit` may use the connection, reading or writing other tables.
  Status for_each_row(const char* sql, const std::function<Status(const Statement&)>& visit);

 private:
  SqliteDb() = default;
  std::filesystem::path file_;
  std::string what_;
  ErrorCode code_ = ErrorCode::kIo;
  sqlite3* db_ = nullptr;
  std::map<const char*, sqlite3_stmt*> statements_;
};

}  // namespace tagforge
