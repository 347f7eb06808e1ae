#include "pipeline/manifest.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>


namespace tagforge {

namespace {

// 2: exported files remember their source in the work folder.
// 3: results say whether they are to be computed again (StageResult::retry).
// 4: exported files remember the stamp of the link placed (ExportedFile::stamp).
constexpr int kSchemaVersion = 4;

}  // namespace

Manifest::~Manifest() = default;

sqlite3_stmt* Manifest::statement(const char* sql) { return db_->statement(sql); }

Error Manifest::error(const std::string& what) const { return db_->error(what); }

Status Manifest::exec(const char* sql) {
  std::lock_guard lock(mu_);
  return db_->exec(sql);
}

Result<std::unique_ptr<Manifest>> Manifest::open(const std::filesystem::path& file) {
  std::unique_ptr<Manifest> m(new Manifest());
  // Every call takes mu_ (begin and commit through exec): SQLite's own mutex would be a second one.
  auto db = SqliteDb::open(file, "manifest", ErrorCode::kCorrupt, SqliteDb::Serialized::kByCaller);
  if (!db) return db.error();
  m->db_ = std::move(*db);
  sqlite3_busy_timeout(m->db_->handle(), 10000);
  // WAL: readers (the review page) never block the run; NORMAL sync: a commit
  // survives a crash of the process, and the database stays whole on power loss.
  TF_RETURN_IF_ERROR(m->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"));
  TF_RETURN_IF_ERROR(m->exec(
      "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS items(path TEXT PRIMARY KEY, hash TEXT NOT NULL, stat TEXT NOT NULL, kind TEXT NOT NULL,"
      "  source TEXT NOT NULL, error TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS results(path TEXT NOT NULL, stage TEXT NOT NULL, fingerprint TEXT NOT NULL,"
      "  data TEXT NOT NULL, error TEXT NOT NULL, retry INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(path, stage));"
      "CREATE TABLE IF NOT EXISTS exported(path TEXT PRIMARY KEY, source TEXT, stamp TEXT);"
      // Added after schema 3 without a change of schema: an older manifest gets it empty.
      "CREATE TABLE IF NOT EXISTS duplicates(path TEXT PRIMARY KEY, keeper TEXT NOT NULL, exact INTEGER NOT NULL,"
      "  dct INTEGER NOT NULL, centre INTEGER NOT NULL, mirrored INTEGER NOT NULL);"
      // A cache: a manifest made before it gets it here, with no change of schema.
      "CREATE TABLE IF NOT EXISTS probes(scope TEXT NOT NULL, dir TEXT NOT NULL, name TEXT NOT NULL,"
      "  size INTEGER NOT NULL, mtime INTEGER NOT NULL, ino INTEGER NOT NULL, format INTEGER NOT NULL,"
      "  problem INTEGER NOT NULL, kind INTEGER NOT NULL, review INTEGER NOT NULL, text TEXT,"
      "  PRIMARY KEY(scope, dir, name)) WITHOUT ROWID;"));
  auto version = m->meta("schema");
  if (!version) return version.error();
  if (*version == std::string("1")) {
    // Schema 1's exported rows have no source: the next export fills it in.
    TF_RETURN_IF_ERROR(m->exec("BEGIN IMMEDIATE; ALTER TABLE exported ADD COLUMN source TEXT;"
                               "UPDATE meta SET value = '2' WHERE key = 'schema'; COMMIT;"));
    version = std::optional<std::string>("2");
  }
  if (*version == std::string("2")) {
    // Schema 2 knew no retries: its failures were all computed again, so they are marked transient.
    // (A results table made just now, above, has the column already.)
    auto has = m->has_column("results", "retry");
    if (!has) return has.error();
    TF_RETURN_IF_ERROR(m->exec(*has ? "BEGIN IMMEDIATE;" : "BEGIN IMMEDIATE; ALTER TABLE results ADD COLUMN retry "
                                                           "INTEGER NOT NULL DEFAULT 0;"));
    TF_RETURN_IF_ERROR(m->exec("UPDATE results SET retry = 1 WHERE error <> '';"
                               "UPDATE meta SET value = '3' WHERE key = 'schema'; COMMIT;"));
    version = std::optional<std::string>("3");
  }
  if (*version == std::string("3")) {
    // Schema 3's exported rows have no stamp: the next run's export fills it in.
    auto has = m->has_column("exported", "stamp");
    if (!has) return has.error();
    TF_RETURN_IF_ERROR(m->exec(*has ? "BEGIN IMMEDIATE;" : "BEGIN IMMEDIATE; ALTER TABLE exported ADD COLUMN stamp TEXT;"));
    TF_RETURN_IF_ERROR(m->exec("UPDATE meta SET value = '4' WHERE key = 'schema'; COMMIT;"));
    version = std::optional<std::string>("4");
  }
  // By source, then path: exported_from() reads the index alone, in its order (a grown run's
  // export asks once an item). It replaced an index on the source alone, dropped here.
  TF_RETURN_IF_ERROR(m->exec("DROP INDEX IF EXISTS exported_by_source;"
                             "CREATE INDEX IF NOT EXISTS exported_by_source_path ON exported(source, path);"));
  if (!*version) {
    TF_RETURN_IF_ERROR(m->put_meta("schema", std::to_string(kSchemaVersion)));
  } else if (*version != std::to_string(kSchemaVersion)) {
    return Error{ErrorCode::kCorrupt,
                 fmt::format("manifest schema {} is not this tagforge's ({})", **version, kSchemaVersion), file};
  }
  return m;
}

Result<bool> Manifest::has_column(const char* table, const char* column) {
  std::lock_guard lock(mu_);
  Statement s(statement("SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?"));
  if (!s.ok()) return error("prepare");
  s.bind(1, std::string(table)).bind(2, std::string(column));
  if (s.step() != SQLITE_ROW) return error("read the schema");
  return s.integer(0) > 0;
}

Status Manifest::begin() { return exec("BEGIN IMMEDIATE"); }
Status Manifest::commit() { return exec("COMMIT"); }

Status Manifest::reading(const std::function<Status()>& body) {
  std::lock_guard lock(mu_);
  if (sqlite3_get_autocommit(db_->handle()) == 0) return body();  // inside the caller's transaction
  TF_RETURN_IF_ERROR(db_->exec("BEGIN"));
  Status st = body();
  if (!st.ok()) {
    (void)db_->exec("ROLLBACK");
    return st;
  }
  return db_->exec("COMMIT");
}

Status Manifest::put_item(const ManifestItem& i) {
  std::lock_guard lock(mu_);
  Statement s(statement("INSERT OR REPLACE INTO items(path, hash, stat, kind, source, error) VALUES(?, ?, ?, ?, ?, ?)"));
  if (!s.ok()) return error("prepare");
  s.bind(1, i.path).bind(2, i.hash).bind(3, i.stat).bind(4, i.kind).bind(5, i.source).bind(6, i.error);
  if (s.step() != SQLITE_DONE) return error("write an item");
  return ok_status();
}

Status Manifest::put_item_if_changed(const ManifestItem& i) {
  std::lock_guard lock(mu_);
  auto known = item(i.path);
  if (known && *known && **known == i) return ok_status();
  return put_item(i);
}

Status Manifest::set_item_error(const std::string& path, const std::string& message) {
  std::lock_guard lock(mu_);
  Statement s(statement("UPDATE items SET error = ? WHERE path = ? AND error <> ?"));
  if (!s.ok()) return error("prepare");
  s.bind(1, message).bind(2, path).bind(3, message);
  if (s.step() != SQLITE_DONE) return error("write an item's error");
  return ok_status();
}

Result<std::optional<ManifestItem>> Manifest::item(const std::string& path) {
  std::lock_guard lock(mu_);
  Statement s(statement("SELECT path, hash, stat, kind, source, error FROM items WHERE path = ?"));
  if (!s.ok()) return error("prepare");
  s.bind(1, path);
  const int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<ManifestItem>();
  if (rc != SQLITE_ROW) return error("read an item");
  return std::optional<ManifestItem>(ManifestItem{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5)});
}

Result<std::vector<ManifestItem>> Manifest::items() {
  std::lock_guard lock(mu_);
  Statement s(statement("SELECT path, hash, stat, kind, source, error FROM items ORDER BY path"));
  if (!s.ok()) return error("prepare");
  std::vector<ManifestItem> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5)});
  }
  if (rc != SQLITE_DONE) return error("read the items");
  return out;
}

Status Manifest::for_each_item(const std::function<Status(const ManifestItem&)>& visit) {
  std::lock_guard lock(mu_);
  return db_->for_each_row("SELECT path, hash, stat, kind, source, error FROM items ORDER BY path",
                           [&](const Statement& s) {
                             return visit(ManifestItem{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5)});
                           });
}

Status Manifest::put_result(const std::string& path, const std::string& stage, const StageResult& r) {
  std::lock_guard lock(mu_);
  Statement s(statement(
      "INSERT OR REPLACE INTO results(path, stage, fingerprint, data, error, retry) VALUES(?, ?, ?, ?, ?, ?)"));
  if (!s.ok()) return error("prepare");
  s.bind(1, path).bind(2, stage).bind(3, r.fingerprint).bind(4, r.data).bind(5, r.error).bind(6, int64_t(r.retry));
  if (s.step() != SQLITE_DONE) return error("write a result");
  return ok_status();
}

Result<std::optional<StageResult>> Manifest::result(const std::string& path, const std::string& stage) {
  std::lock_guard lock(mu_);
  Statement s(statement("SELECT fingerprint, data, error, retry FROM results WHERE path = ? AND stage = ?"));
  if (!s.ok()) return error("prepare");
  s.bind(1, path).bind(2, stage);
  const int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<StageResult>();
  if (rc != SQLITE_ROW) return error("read a result");
  return std::optional<StageResult>(StageResult{s.text(0), s.text(1), s.text(2), int(s.integer(3))});
}

Status Manifest::remove_result(const std::string& path, const std::string& stage) {
  std::lock_guard lock(mu_);
  Statement s(statement("DELETE FROM results WHERE path = ? AND stage = ?"));
  if (!s.ok()) return error("prepare");
  s.bind(1, path).bind(2, stage);
  if (s.step() != SQLITE_DONE) return error("remove a result");
  return ok_status();
}

Result<std::vector<std::pair<std::string, StageResult>>> Manifest::results(const std::string& path) {
  std::lock_guard lock(mu_);
  Statement s(statement("SELECT stage, fingerprint, data, error, retry FROM results WHERE path = ? ORDER BY stage"));
  if (!s.ok()) return error("prepare");
  s.bind(1, path);
  std::vector<std::pair<std::string, StageResult>> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    out.push_back({s.text(0), StageResult{s.text(1), s.text(2), s.text(3), int(s.integer(4))}});
  }
  if (rc != SQLITE_DONE) return error("read results");
  return out;
}

Manifest::ResultsInOrder::ResultsInOrder(Manifest& m)
    : m_(m),
      cursor_(m.statement("SELECT path, stage, fingerprint, data, error, retry FROM results"
                          " WHERE path >= ? ORDER BY path, stage")) {}

Result<std::vector<std::pair<std::string, StageResult>>> Manifest::ResultsInOrder::of(const std::string& path) {
  std::lock_guard lock(m_.mu_);
  if (!cursor_.ok()) return m_.error("prepare");
  std::vector<std::pair<std::string, StageResult>> out;
  const bool read = cursor_.seek(path, [&](const Statement& s) {
    out.push_back({s.text(1), StageResult{s.text(2), s.text(3), s.text(4), int(s.integer(5))}});
  });
  if (!read) return m_.error("read results");
  return out;
}

Manifest::RecordInOrder::RecordInOrder(Manifest& m, const std::string& stage)
    : m_(m),
      cursor_(m.statement("SELECT path, fingerprint, data, error, retry FROM results"
                          " WHERE path >= ?1 AND stage = ?2 ORDER BY path")) {
  cursor_.bind(2, stage);
}

Result<std::optional<StageResult>> Manifest::RecordInOrder::of(const std::string& path) {
  std::lock_guard lock(m_.mu_);
  if (!cursor_.ok()) return m_.error("prepare");
  std::optional<StageResult> out;
  const bool read = cursor_.seek(path, [&](const Statement& s) {
    out = StageResult{s.text(1), s.text(2), s.text(3), int(s.integer(4))};
  });
  if (!read) return m_.error("read a record");
  return out;
}

Result<std::vector<std::vector<std::pair<std::string, StageResult>>>> Manifest::results_of(
    const std::vector<std::string>& paths) {
  std::vector<std::vector<std::pair<std::string, StageResult>>> out;
  TF_RETURN_IF_ERROR(reading([&]() -> Status {
    for (const std::string& path : paths) {
      auto rows = results(path);
      if (!rows) return rows.error();
      out.push_back(std::move(*rows));
    }
    return ok_status();
  }));
  return out;
}

Result<std::vector<std::string>> Manifest::exported() {
  std::lock_guard lock(mu_);
  Statement s(statement("SELECT path FROM exported ORDER BY path"));
  if (!s.ok()) return error("prepare");
  std::vector<std::string> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(s.text(0));
  if (rc != SQLITE_DONE) return error("read the exported files");
  return out;
}

Result<std::vector<std::string>> Manifest::paths_with_result_flag(const std::string& stage, const std::string& key) {
  std::lock_guard lock(mu_);
  Statement s(statement("SELECT path FROM results WHERE stage = ? AND error = '' AND json_valid(data) AND "
                        "json_extract(data, '$.' || ?) = 1 ORDER BY path"));
  if (!s.ok()) return error("prepare");
  s.bind(1, stage).bind(2, key);
  std::vector<std::string> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(s.text(0));
  if (rc != SQLITE_DONE) return error("read the " + stage + " results");
  return out;
}

Result<std::vector<std::pair<std::string, StageResult>>> Manifest::stage_results(const std::string& stage) {
  std::lock_guard lock(mu_);
  Statement s(statement("SELECT path, fingerprint, data FROM results WHERE stage = ? AND error = '' ORDER BY path"));
  if (!s.ok()) return error("prepare");
  s.bind(1, stage);
  std::vector<std::pair<std::string, StageResult>> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.emplace_back(s.text(0), StageResult{s.text(1), s.text(2), ""});
  if (rc != SQLITE_DONE) return error("read the " + stage + " results");
  return out;
}

Result<std::vector<ExportedFile>> Manifest::exported_after(const std::string& after, size_t limit) {
  std::lock_guard lock(mu_);
  Statement s(statement("SELECT path, source, stamp FROM exported WHERE path > ? ORDER BY path LIMIT ?"));
  if (!s.ok()) return error("prepare");
  s.bind(1, after).bind(2, static_cast<int64_t>(limit));
  return exported_rows(s);
}

Result<std::vector<ExportedFile>> Manifest::exported_rows(Statement& s) {
  std::vector<ExportedFile> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(ExportedFile{s.text(0), s.text(1), s.text(2)});
  if (rc != SQLITE_DONE) return error("read the exported files");
  return out;
}

Result<std::vector<ExportedFile>> Manifest::exported_between(const std::string& first, const std::string& last) {
  std::lock_guard lock(mu_);
  Statement s(statement("SELECT path, source, stamp FROM exported WHERE path >= ? AND path <= ? ORDER BY path"));
  if (!s.ok()) return error("prepare");
  s.bind(1, first).bind(2, last);
  return exported_rows(s);
}

Status Manifest::add_exported(const std::vector<std::pair<std::string, std::string>>& paths) {
  TF_RETURN_IF_ERROR(begin());
  for (const auto& [path, source] : paths) TF_RETURN_IF_ERROR(note_exported(path, source, ""));
  return commit();
}

Status Manifest::note_exported(const std::string& path, const std::string& source, const std::string& stamp) {
  std::lock_guard lock(mu_);
  // A row that already says this is not written (a settled re-run writes nothing).
  Statement s(statement("INSERT INTO exported(path, source, stamp) VALUES(?, ?, ?) ON CONFLICT(path) DO UPDATE"
                        "  SET source = excluded.source, stamp = excluded.stamp"
                        "  WHERE source IS NOT excluded.source OR stamp IS NOT excluded.stamp"));
  if (!s.ok()) return error("prepare");
  s.bind(1, path).bind(2, source).bind(3, stamp);
  if (s.step() != SQLITE_DONE) return error("write an exported file");
  return ok_status();
}

Result<std::vector<std::string>> Manifest::exported_from(const std::string& source) {
  std::lock_guard lock(mu_);
  Statement s(statement("SELECT path FROM exported WHERE source = ? ORDER BY path"));
  if (!s.ok()) return error("prepare");
  s.bind(1, source);
  std::vector<std::string> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(s.text(0));
  if (rc != SQLITE_DONE) return error("read the exported files");
  return out;
}

Status Manifest::remove_exported(const std::vector<std::string>& paths) {
  TF_RETURN_IF_ERROR(begin());
  std::lock_guard lock(mu_);
  Statement s(statement("DELETE FROM exported WHERE path = ?"));
  if (!s.ok()) return error("prepare");
  for (const std::string& p : paths) {
    s.bind(1, p);
    if (s.step() != SQLITE_DONE) return error("forget an exported file");
    s.reset();
  }
  return commit();
}

Result<std::vector<DuplicateRow>> Manifest::duplicates() {
  std::lock_guard lock(mu_);
  Statement s(statement("SELECT path, keeper, exact, dct, centre, mirrored FROM duplicates ORDER BY path"));
  if (!s.ok()) return error("prepare");
  std::vector<DuplicateRow> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    out.push_back(DuplicateRow{s.text(0), s.text(1), s.integer(2) != 0, int(s.integer(3)), int(s.integer(4)),
                               s.integer(5) != 0});
  }
  if (rc != SQLITE_DONE) return error("read the duplicates");
  return out;
}

Status Manifest::replace_duplicates(const std::vector<DuplicateRow>& rows) {
  std::vector<DuplicateRow> wanted = rows;
  std::sort(wanted.begin(), wanted.end(), [](const DuplicateRow& a, const DuplicateRow& b) { return a.path < b.path; });
  auto now = duplicates();
  if (!now) return now.error();
  if (*now == wanted) return ok_status();  // a settled re-run writes nothing
  TF_RETURN_IF_ERROR(begin());
  {
    std::lock_guard lock(mu_);
    TF_RETURN_IF_ERROR(db_->exec("DELETE FROM duplicates"));
    Statement s(statement("INSERT INTO duplicates(path, keeper, exact, dct, centre, mirrored) VALUES(?, ?, ?, ?, ?, ?)"));
    if (!s.ok()) return error("prepare");
    for (const DuplicateRow& r : wanted) {
      s.bind(1, r.path).bind(2, r.keeper).bind(3, int64_t(r.exact)).bind(4, int64_t(r.dct)).bind(5, int64_t(r.centre))
          .bind(6, int64_t(r.mirrored));
      if (s.step() != SQLITE_DONE) return error("write a duplicate");
      s.reset();
    }
  }
  return commit();
}

Status Manifest::absorb(const std::filesystem::path& other) {
  {
    auto theirs = Manifest::open(other);  // an older schema brought up to ours; a newer one refused
    if (!theirs) return theirs.error();
  }
  std::lock_guard lock(mu_);
  Statement attach(statement("ATTACH DATABASE ? AS other"));
  if (!attach.ok()) return error("prepare");
  attach.bind(1, other.string());
  const int rc = attach.step();
  attach.reset();  // finished before DETACH, which refuses while a statement is active
  if (rc != SQLITE_DONE) {
    return Error{ErrorCode::kCorrupt, fmt::format("cannot open this manifest: {}", sqlite3_errmsg(db_->handle())), other};
  }
  Status st = exec(
      "BEGIN IMMEDIATE;"
      "INSERT OR REPLACE INTO items(path, hash, stat, kind, source, error)"
      "  SELECT path, hash, stat, kind, source, error FROM other.items;"
      "INSERT OR REPLACE INTO results(path, stage, fingerprint, data, error, retry)"
      "  SELECT path, stage, fingerprint, data, error, retry FROM other.results;"
      "COMMIT;");
  if (!st.ok()) (void)exec("ROLLBACK");
  (void)exec("DETACH DATABASE other");
  if (!st.ok()) return Error{st.error().code, st.error().message, other};
  return ok_status();
}

Result<uint64_t> Manifest::probe_count(const std::string& scope, const std::string& dir) {
  std::lock_guard lock(mu_);
  Statement s(statement("SELECT count(*) FROM probes WHERE scope = ? AND dir = ?"));
  if (!s.ok()) return error("prepare");
  s.bind(1, scope).bind(2, dir);
  if (s.step() != SQLITE_ROW) return error("count the probe memo's files");
  return uint64_t(s.integer(0));
}

Result<std::unordered_map<std::string, ProbedFile>> Manifest::probes(const std::string& scope, const std::string& dir) {
  std::lock_guard lock(mu_);
  Statement s(statement("SELECT name, size, mtime, ino, format, problem, kind, review, text FROM probes"
                        "  WHERE scope = ? AND dir = ?"));
  if (!s.ok()) return error("prepare");
  s.bind(1, scope).bind(2, dir);
  std::unordered_map<std::string, ProbedFile> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    ProbedFile f;
    f.stamp = FileStamp{uint64_t(s.integer(1)), s.integer(2), uint64_t(s.integer(3))};
    f.format = MediaFormat(s.integer(4));
    f.problem = FileProblem(s.integer(5));
    f.kind = SidecarKind(s.integer(6));
    f.review = s.integer(7) != 0;
    f.has_text = !s.is_null(8);
    f.text = s.text(8);
    out.emplace(s.text(0), std::move(f));
  }
  if (rc != SQLITE_DONE) return error("read the probe memo");
  return out;
}

Status Manifest::put_probes(const std::string& scope, const std::string& dir,
                            const std::vector<std::pair<std::string, ProbedFile>>& files) {
  std::lock_guard lock(mu_);
  const bool own = sqlite3_get_autocommit(db_->handle()) != 0;
  if (own) TF_RETURN_IF_ERROR(db_->exec("BEGIN IMMEDIATE"));
  auto write = [&]() -> Status {
    Statement drop(statement("DELETE FROM probes WHERE scope = ? AND dir = ?"));
    if (!drop.ok()) return error("prepare");
    drop.bind(1, scope).bind(2, dir);
    if (drop.step() != SQLITE_DONE) return error("clear the probe memo");
    Statement s(statement("INSERT OR REPLACE INTO probes(scope, dir, name, size, mtime, ino, format, problem, kind,"
                          "  review, text) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    if (!s.ok()) return error("prepare");
    for (const auto& [name, f] : files) {
      s.bind(1, scope).bind(2, dir).bind(3, name).bind(4, int64_t(f.stamp.size)).bind(5, f.stamp.mtime_ns);
      s.bind(6, int64_t(f.stamp.ino)).bind(7, int64_t(f.format)).bind(8, int64_t(f.problem));
      s.bind(9, int64_t(f.kind)).bind(10, int64_t(f.review));
      if (f.has_text) {
        s.bind(11, f.text);
      } else {
        s.bind_null(11);
      }
      if (s.step() != SQLITE_DONE) return error("write the probe memo");
      s.reset();
    }
    return ok_status();
  };
  Status st = write();
  if (!own) return st;
  if (!st.ok()) {
    (void)db_->exec("ROLLBACK");
    return st;
  }
  return db_->exec("COMMIT");
}

Status Manifest::forget_probes_but(const std::string& prefix, const std::string& keep) {
  std::lock_guard lock(mu_);
  // Two ranges of the key, around `keep`: the rows kept are never visited.
  std::string end = prefix;
  if (end.empty()) return ok_status();
  ++end.back();
  Statement below(statement("DELETE FROM probes WHERE scope >= ? AND scope < ?"));
  if (!below.ok()) return error("prepare");
  below.bind(1, prefix).bind(2, std::min(keep, end));
  if (below.step() != SQLITE_DONE) return error("clear the probe memo");
  Statement above(statement("DELETE FROM probes WHERE scope > ? AND scope < ?"));
  if (!above.ok()) return error("prepare");
  above.bind(1, std::max(keep, prefix)).bind(2, end);
  if (above.step() != SQLITE_DONE) return error("clear the probe memo");
  return ok_status();
}

Status Manifest::put_meta(const std::string& key, const std::string& value) {
  std::lock_guard lock(mu_);
  // A row that already says this is not written (each run puts its config).
  Statement s(statement("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE"
                        "  SET value = excluded.value WHERE value IS NOT excluded.value"));
  if (!s.ok()) return error("prepare");
  s.bind(1, key).bind(2, value);
  if (s.step() != SQLITE_DONE) return error("write meta");
  return ok_status();
}

Result<std::optional<std::string>> Manifest::meta(const std::string& key) {
  std::lock_guard lock(mu_);
  Statement s(statement("SELECT value FROM meta WHERE key = ?"));
  if (!s.ok()) return error("prepare");
  s.bind(1, key);
  const int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return error("read meta");
  return std::optional<std::string>(s.text(0));
}

}  // namespace tagforge
