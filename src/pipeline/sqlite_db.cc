#include "pipeline/sqlite_db.h"

#include <fmt/format.h>

#include <memory>

namespace tagforge {

Result<std::unique_ptr<SqliteDb>> SqliteDb::open(const std::filesystem::path& file, std::string what, ErrorCode code,
                                                 Serialized serialized) {
  std::unique_ptr<SqliteDb> d(new SqliteDb());
  d->file_ = file;
  d->what_ = std::move(what);
  d->code_ = code;
  const int threading = serialized == Serialized::kBySqlite ? SQLITE_OPEN_FULLMUTEX : SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(file.c_str(), &d->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | threading, nullptr) !=
      SQLITE_OK) {
    return d->error("cannot open");
  }
  return d;
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

sqlite3_stmt* SqliteDb::statement(const char* sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) return nullptr;
  statements_[sql] = stmt;
  return stmt;
}

bool OrderedCursor::seek(std::string_view key, const std::function<void(const Statement&)>& at_key) {
  if (!started_) {  // from the first key sought
    s_.bind(1, std::string(key));
    rc_ = s_.step();
    started_ = true;
  }
  for (; rc_ == SQLITE_ROW; rc_ = s_.step()) {
    const int order = s_.view(0).compare(key);
    if (order > 0) break;
    if (order == 0) at_key(s_);
  }
  return rc_ == SQLITE_ROW || rc_ == SQLITE_DONE;
}

Error SqliteDb::error(const std::string& doing) const {
  return Error{code_, fmt::format("{}: {}: {}", what_, doing, db_ ? sqlite3_errmsg(db_) : "not open"), file_};
}

Status SqliteDb::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string m = message ? message : "failed";
    sqlite3_free(message);
    return Error{code_, fmt::format("{}: {}", what_, m), file_};
  }
  return ok_status();
}

Result<bool> SqliteDb::has_row(const char* sql, const std::string& key, const char* doing) {
  Statement s(statement(sql));
  if (!s.ok()) return error("prepare");
  s.bind(1, key);
  const int rc = s.step();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return error(doing);
  return rc == SQLITE_ROW;
}

Status SqliteDb::run(const char* sql, const std::string& key, const char* doing) {
  Statement s(statement(sql));
  if (!s.ok()) return error("prepare");
  s.bind(1, key);
  if (s.step() != SQLITE_DONE) return error(doing);
  return ok_status();
}

Status SqliteDb::for_each_row(const char* sql, const std::function<Status(const Statement&)>& visit) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr) != SQLITE_OK) return error("prepare");
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> owned(raw, sqlite3_finalize);
  Statement s(raw);
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) TF_RETURN_IF_ERROR(visit(s));
  if (rc != SQLITE_DONE) return error("read");
  return ok_status();
}

}  // namespace tagforge
