#include "pipeline/scratch.h"

#include <fmt/format.h>

#include <cinttypes>
#include <cstdio>

#include "core/natural_order.h"

namespace tagforge {

namespace fs = std::filesystem;

namespace {

int natural_collation(void*, int an, const void* a, int bn, const void* b) {
  return natural_compare(std::string_view(static_cast<const char*>(a), size_t(an)),
                         std::string_view(static_cast<const char*>(b), size_t(bn)));
}

// Sidecar names joined by '/', which no file name holds.
std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out.append(out.empty() ? "" : "/").append(n);
  return out;
}

std::vector<std::string> split_names(const std::string& joined) {
  std::vector<std::string> out;
  size_t from = 0;
  while (from < joined.size()) {
    size_t to = joined.find('/', from);
    if (to == std::string::npos) to = joined.size();
    out.push_back(joined.substr(from, to - from));
    from = to + 1;
  }
  return out;
}

std::string join_stamps(const std::vector<FileStamp>& stamps) {
  std::string out;
  for (const FileStamp& st : stamps) out += fmt::format("{}{}:{}:{}", out.empty() ? "" : "/", st.size, st.mtime_ns, st.ino);
  return out;
}

std::vector<FileStamp> split_stamps(const std::string& joined) {
  std::vector<FileStamp> out;
  for (const std::string& part : split_names(joined)) {
    FileStamp st;
    if (std::sscanf(part.c_str(), "%" SCNu64 ":%" SCNd64 ":%" SCNu64, &st.size, &st.mtime_ns, &st.ino) == 3) {
      out.push_back(st);
    } else {
      out.push_back(FileStamp{});
    }
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Scratch>> Scratch::open(const fs::path& file) {
  std::error_code ec;
  fs::remove(file, ec);  // a killed run's
  std::unique_ptr<Scratch> s(new Scratch());
  auto db = SqliteDb::open(file, "scratch database", ErrorCode::kIo, SqliteDb::Serialized::kByCaller);  // one thread
  if (!db) return db.error();
  s->db_ = std::move(*db);
  if (sqlite3_create_collation_v2(s->db_->handle(), "natural_order", SQLITE_UTF8, nullptr, natural_collation,
                                  nullptr) != SQLITE_OK) {
    return s->error("cannot add the natural order");
  }
  // Nothing here must survive a crash: no journal, no syncs. 16 MiB of page cache. Only this
  // process opens it: the lock is taken once (each statement would otherwise lock, unlock and
  // look for a hot journal: three system calls or more).
  TF_RETURN_IF_ERROR(s->exec(
      "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-16384;"
      "CREATE TABLE items(seq INTEGER PRIMARY KEY, path TEXT NOT NULL, hash TEXT NOT NULL, stat TEXT NOT NULL,"
      "  kind TEXT NOT NULL, source TEXT NOT NULL, tags TEXT NOT NULL, caption TEXT);"
      "CREATE TABLE expected(path TEXT PRIMARY KEY) WITHOUT ROWID;"
      "CREATE TABLE expected_stems(stem TEXT PRIMARY KEY) WITHOUT ROWID;"
      "CREATE TABLE to_plan(name TEXT NOT NULL, dir TEXT NOT NULL, cls INTEGER NOT NULL, sidecars TEXT NOT NULL,"
      "  stamps TEXT NOT NULL);"
      "CREATE TABLE planned(dst TEXT PRIMARY KEY, src TEXT NOT NULL, media INTEGER NOT NULL, size INTEGER NOT NULL,"
      "  mtime INTEGER NOT NULL, ino INTEGER NOT NULL) WITHOUT ROWID;"));
  return s;
}

Scratch::~Scratch() {
  if (!db_) return;
  const fs::path file = db_->file();
  db_.reset();  // closed before it goes
  std::error_code ec;
  fs::remove(file, ec);
}

sqlite3_stmt* Scratch::statement(const char* sql) { return db_->statement(sql); }
Error Scratch::error(const std::string& what) const { return db_->error(what); }
Status Scratch::exec(const char* sql) { return db_->exec(sql); }

Status Scratch::begin() { return exec("BEGIN"); }
Status Scratch::commit() { return exec("COMMIT"); }

Status Scratch::add_item(const ItemState& it) {
  Statement s(statement("INSERT INTO items(seq, path, hash, stat, kind, source, tags, caption)"
                        " VALUES(?, ?, ?, ?, ?, ?, ?, ?)"));
  if (!s.ok()) return error("prepare");
  s.bind(1, int64_t(items_)).bind(2, it.item.path).bind(3, it.item.hash).bind(4, it.item.stat);
  s.bind(5, it.item.kind).bind(6, it.item.source).bind(7, it.existing_tags);
  if (it.existing_caption) s.bind(8, *it.existing_caption);
  else s.bind_null(8);
  if (s.step() != SQLITE_DONE) return error("add an item");
  ++items_;
  return ok_status();
}

Result<std::vector<ItemState>> Scratch::items(uint64_t from, size_t n, const fs::path& work) {
  Statement s(statement("SELECT path, hash, stat, kind, source, tags, caption FROM items"
                        " WHERE seq >= ? ORDER BY seq LIMIT ?"));
  if (!s.ok()) return error("prepare");
  s.bind(1, int64_t(from)).bind(2, int64_t(n));
  std::vector<ItemState> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    ItemState it;
    it.item = ManifestItem{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), ""};
    it.file = work / it.item.path;
    it.existing_tags = s.text(5);
    if (!s.is_null(6)) it.existing_caption = s.text(6);
    out.push_back(std::move(it));
  }
  if (rc != SQLITE_DONE) return error("read items");
  return out;
}

Status Scratch::for_each_item_row(const std::function<Status(const ManifestItem&)>& visit) {
  return db_->for_each_row("SELECT path, hash, stat, kind, source FROM items ORDER BY path", [&](const Statement& s) {
    return visit(ManifestItem{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), ""});
  });
}

Status Scratch::expect(const std::string& path) {
  return db_->run("INSERT OR IGNORE INTO expected(path) VALUES(?)", path, "add an expected file");
}

Result<bool> Scratch::expected(const std::string& path) {
  return db_->has_row("SELECT 1 FROM expected WHERE path = ?", path, "look up an expected file");
}

Status Scratch::expect_stem(const std::string& stem) {
  return db_->run("INSERT OR IGNORE INTO expected_stems(stem) VALUES(?)", stem, "add an expected item");
}

Result<bool> Scratch::expected_stem(const std::string& stem) {
  return db_->has_row("SELECT 1 FROM expected_stems WHERE stem = ?", stem, "look up an expected item");
}

Status Scratch::clear_plan() {
  planned_ = 0;
  return exec("DELETE FROM to_plan; DELETE FROM planned;");
}

Status Scratch::add_to_plan(const ToPlan& e) {
  Statement s(statement("INSERT INTO to_plan(name, dir, cls, sidecars, stamps) VALUES(?, ?, ?, ?, ?)"));
  if (!s.ok()) return error("prepare");
  s.bind(1, e.name).bind(2, e.dir).bind(3, int64_t(e.cls)).bind(4, join_names(e.sidecars)).bind(5, join_stamps(e.stamps));
  if (s.step() != SQLITE_DONE) return error("add a file to plan");
  return ok_status();
}

Status Scratch::for_each_to_plan(const std::function<Status(const ToPlan&)>& visit) {
  ToPlan e;
  return db_->for_each_row(
      "SELECT name, dir, cls, sidecars, stamps FROM to_plan ORDER BY name COLLATE natural_order, dir COLLATE natural_order, "
      "name, dir",
      [&](const Statement& s) {
        e.name = s.text(0);
        e.dir = s.text(1);
        e.cls = int(s.integer(2));
        e.sidecars = split_names(s.text(3));
        e.stamps = split_stamps(s.text(4));
        return visit(e);
      });
}

Status Scratch::add_planned(const std::string& src, const std::string& dst, bool media, const FileStamp& stamp) {
  Statement s(statement("INSERT OR REPLACE INTO planned(dst, src, media, size, mtime, ino) VALUES(?, ?, ?, ?, ?, ?)"));
  if (!s.ok()) return error("prepare");
  s.bind(1, dst).bind(2, src).bind(3, int64_t(media)).bind(4, int64_t(stamp.size)).bind(5, stamp.mtime_ns);
  s.bind(6, int64_t(stamp.ino));
  if (s.step() != SQLITE_DONE) return error("add a planned file");
  ++planned_;
  return ok_status();
}

Status Scratch::for_each_planned(
    const std::function<Status(const std::string&, const std::string&, const FileStamp&)>& visit) {
  return db_->for_each_row("SELECT src, dst, size, mtime, ino FROM planned ORDER BY dst", [&](const Statement& s) {
    return visit(s.text(0), s.text(1), FileStamp{uint64_t(s.integer(2)), s.integer(3), uint64_t(s.integer(4))});
  });
}

Scratch::PlannedInOrder::PlannedInOrder(Scratch& scratch)
    : scratch_(scratch), cursor_(scratch.statement("SELECT dst FROM planned WHERE dst >= ? ORDER BY dst")) {}

Result<bool> Scratch::PlannedInOrder::has(const std::string& dst) {
  if (!cursor_.ok()) return scratch_.error("prepare");
  bool found = false;
  if (!cursor_.seek(dst, [&](const Statement&) { found = true; })) return scratch_.error("look up a planned file");
  return found;
}

Result<bool> Scratch::is_planned(const std::string& dst) {
  Statement s(statement("SELECT 1 FROM planned WHERE dst = ?"));
  if (!s.ok()) return error("prepare");
  s.bind(1, dst);
  const int rc = s.step();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return error("look up a planned file");
  return rc == SQLITE_ROW;
}

Status Scratch::names_planned_in(const std::string& folder, std::unordered_set<std::string>& names) {
  Statement s(statement("SELECT dst FROM planned WHERE dst > ? AND dst < ?"));
  if (!s.ok()) return error("prepare");
  s.bind(1, folder + "/").bind(2, folder + "0");  // '0' follows '/': the folder's files, in bytewise order
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    const std::string dst = s.text(0);
    if (dst.find('/', folder.size() + 1) == std::string::npos) names.insert(dst.substr(folder.size() + 1));
  }
  if (rc != SQLITE_DONE) return error("read a bucket's planned files");
  return ok_status();
}

Status Scratch::unplace(const std::string& src) {
  return db_->run("UPDATE planned SET media = 0 WHERE src = ?", src, "take back a planned file");
}

Result<std::optional<std::string>> Scratch::placed(const std::string& src) {
  // Indexed once the plan is whole, on the first lookup: cheaper than keeping an index while it grows.
  if (!placed_index_) {
    TF_RETURN_IF_ERROR(exec("CREATE INDEX IF NOT EXISTS planned_media ON planned(src) WHERE media"));
    placed_index_ = true;
  }
  Statement s(statement("SELECT dst FROM planned WHERE src = ? AND media"));
  if (!s.ok()) return error("prepare");
  s.bind(1, src);
  const int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return error("look up a placed file");
  return std::optional<std::string>(s.text(0));
}

}  // namespace tagforge
