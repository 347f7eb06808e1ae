// The manifest (SQLite) and content hashes: what is put is read back after
// reopening, a transaction lands whole or not at all, bad files are clear
// errors; hashes tell bytes apart and shard evenly.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <sys/wait.h>
#include <unistd.h>

#include "media_fixtures.h"
#include "pipeline/content_hash.h"
#include "pipeline/manifest.h"

namespace tagforge {
namespace {

namespace fs = std::filesystem;

// A settled re-run rewrites no row: the file does not change by a byte.
TEST(Manifest, RowsThatAlreadySayItAreNotWritten) {
  const fs::path dir = testing::fresh_temp_dir("manifest-settled");
  auto m = Manifest::open(dir / "m.sqlite");
  ASSERT_TRUE(m.ok());
  const ManifestItem item{"a.png", "00ff", "1:2:3", "image", "", ""};
  ASSERT_TRUE((*m)->put_item(item).ok());
  ASSERT_TRUE((*m)->set_item_error("a.png", "tagger: broken").ok());
  EXPECT_EQ((**(*m)->item("a.png")).error, "tagger: broken");
  ASSERT_TRUE((*m)->set_item_error("a.png", "").ok());
  EXPECT_EQ((**(*m)->item("a.png")).error, "");
  auto wal_size = [&] {
    std::error_code ec;
    const auto n = fs::file_size(dir / "m.sqlite-wal", ec);
    return ec ? uintmax_t(0) : n;
  };
  ASSERT_TRUE((*m)->begin().ok());
  ASSERT_TRUE((*m)->note_exported("images_1/a.png", "a.png", "1:2:3").ok());
  ASSERT_TRUE((*m)->put_meta("config", "[run]").ok());
  ASSERT_TRUE((*m)->commit().ok());
  const uintmax_t before = wal_size();
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE((*m)->begin().ok());
    ASSERT_TRUE((*m)->put_item_if_changed(item).ok());
    ASSERT_TRUE((*m)->set_item_error("a.png", "").ok());
    ASSERT_TRUE((*m)->note_exported("images_1/a.png", "a.png", "1:2:3").ok());
    ASSERT_TRUE((*m)->put_meta("config", "[run]").ok());
    ASSERT_TRUE((*m)->commit().ok());
  }
  EXPECT_EQ(wal_size(), before) << "unchanged rows were written again";
  ManifestItem moved = item;
  moved.hash = "11ee";
  ASSERT_TRUE((*m)->put_item_if_changed(moved).ok());
  EXPECT_EQ((**(*m)->item("a.png")).hash, "11ee");
  EXPECT_GT(wal_size(), before);
}

// The set-aside copies are read back in path order, and the same rows again write nothing.
TEST(Manifest, DuplicatesAreReplacedWholeAndOnlyWhenTheyChange) {
  const fs::path dir = testing::fresh_temp_dir("manifest-duplicates");
  auto m = Manifest::open(dir / "m.sqlite");
  ASSERT_TRUE(m.ok());
  const std::vector<DuplicateRow> rows{{"z/small.jpg", "keep.jpg", false, 2, 1, false},
                                       {"a/copy.jpg", "keep.jpg", true, 0, 0, false},
                                       {"m/mirror.jpg", "other.jpg", false, 3, 4, true}};
  ASSERT_TRUE((*m)->replace_duplicates(rows).ok());
  auto back = (*m)->duplicates();
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 3u);
  EXPECT_EQ((*back)[0], rows[1]);
  EXPECT_EQ((*back)[1], rows[2]);
  EXPECT_EQ((*back)[2], rows[0]);
  const auto wal = [&] { return fs::file_size(dir / "m.sqlite-wal"); };
  const uintmax_t before = wal();
  ASSERT_TRUE((*m)->replace_duplicates({rows[2], rows[0], rows[1]}).ok());
  EXPECT_EQ(wal(), before) << "the same rows in another order were written again";
  ASSERT_TRUE((*m)->replace_duplicates({rows[0]}).ok());
  back = (*m)->duplicates();
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, std::vector<DuplicateRow>{rows[0]});
  ASSERT_TRUE((*m)->replace_duplicates({}).ok());
  EXPECT_TRUE((*m)->duplicates()->empty());
}

// The export walks the exported files in pages and removes some between them:
// every file is seen once, in bytewise order, whatever was removed behind it.
TEST(Manifest, ExportedFilesAreWalkedInPagesWhileSomeAreRemoved) {
  const fs::path dir = testing::fresh_temp_dir("manifest-pages");
  auto m = Manifest::open(dir / "m.sqlite");
  ASSERT_TRUE(m.ok());
  std::vector<std::pair<std::string, std::string>> rows;
  std::vector<std::string> all;
  for (int i = 0; i < 10; ++i) {
    all.push_back("images_" + std::to_string(i) + "/x.png");  // "images_10" would sort before "images_2"
    rows.emplace_back(all.back(), "x.png");
  }
  ASSERT_TRUE((*m)->add_exported(rows).ok());
  std::vector<std::string> seen;
  std::string after;
  for (;;) {
    auto page = (*m)->exported_after(after, 3);
    ASSERT_TRUE(page.ok());
    if (page->empty()) break;
    EXPECT_LE(page->size(), 3u);
    for (const ExportedFile& f : *page) {
      seen.push_back(f.path);
      EXPECT_EQ(f.source, "x.png");
      EXPECT_EQ(f.stamp, "");  // add_exported knows none
    }
    after = page->back().path;
    ASSERT_TRUE((*m)->remove_exported({page->front().path}).ok());
  }
  EXPECT_EQ(seen, all);
  EXPECT_EQ(*(*m)->exported(), (std::vector<std::string>{"images_1/x.png", "images_2/x.png", "images_4/x.png",
                                                          "images_5/x.png", "images_7/x.png", "images_8/x.png"}));
}

TEST(Manifest, ResultsInOrderGiveWhatALookupGivesInOnePass) {
  const fs::path dir = testing::fresh_temp_dir("manifest-in-order");
  auto m = Manifest::open(dir / "m.sqlite");
  ASSERT_TRUE(m.ok());
  // Bytewise order: "B" < "a" < "a/b" < "a0" < "ab" < "é".
  const std::vector<std::string> paths{"B", "a", "a/b", "a0", "ab", "\xc3\xa9"};
  for (size_t k = 0; k < paths.size(); ++k) {
    for (const char* stage : {"tags", "caption"}) {
      if (k == 2 && std::string(stage) == "caption") continue;
      ASSERT_TRUE((*m)->put_result(paths[k], stage, StageResult{"fp" + std::to_string(k), "{}", "", int(k)}).ok());
    }
  }
  Status read = (*m)->reading([&]() -> Status {
    Manifest::ResultsInOrder in_order(**m);
    // Some asked for, some skipped, one with no rows, in order.
    for (const std::string& path : {std::string("B"), std::string("a/b"), std::string("a00"), std::string("ab"),
                                    std::string("\xc3\xa9"), std::string("\xff")}) {
      auto got = in_order.of(path);
      if (!got) return got.error();
      auto want = (*m)->results(path);
      if (!want) return want.error();
      EXPECT_EQ(got->size(), want->size()) << path;
      for (size_t k = 0; k < std::min(got->size(), want->size()); ++k) {
        EXPECT_EQ((*got)[k].first, (*want)[k].first) << path;
        EXPECT_EQ((*got)[k].second.fingerprint, (*want)[k].second.fingerprint) << path;
        EXPECT_EQ((*got)[k].second.retry, (*want)[k].second.retry) << path;
      }
    }
    return ok_status();
  });
  EXPECT_TRUE(read.ok()) << read.error().to_string();
  auto one = (*m)->results("a/b");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 1u) << "the fixture: one row for a/b";
}

TEST(Manifest, TheProbeMemoKeepsAFolderPerScopeAndForgetsOtherScopes) {
  const fs::path dir = testing::fresh_temp_dir("manifest-probes");
  auto m = Manifest::open(dir / "m.sqlite");
  ASSERT_TRUE(m.ok());
  ProbedFile image;
  image.stamp = FileStamp{1234, 1700000000123456789, 42};
  image.format = MediaFormat::kPng;
  ProbedFile tags;
  tags.stamp = FileStamp{11, 5, 43};
  tags.kind = SidecarKind::kTags;
  tags.review = true;
  tags.has_text = true;
  tags.text = "1girl, solo";
  ProbedFile empty_text = tags;
  empty_text.text = "";  // text that is empty, not text that was not kept
  ASSERT_TRUE((*m)->put_probes("in a", "sub", {{"a.png", image}, {"a.txt", tags}, {"b.txt", empty_text}}).ok());
  ASSERT_TRUE((*m)->put_probes("in b", "sub", {{"a.png", image}}).ok());
  ASSERT_TRUE((*m)->put_probes("work a", "sub", {{"a.png", image}}).ok());
  // Writing a folder again replaces it whole.
  ASSERT_TRUE((*m)->put_probes("in a", "other", {{"x.png", image}}).ok());
  ASSERT_TRUE((*m)->put_probes("in a", "other", {{"y.png", image}}).ok());

  auto sub = (*m)->probes("in a", "sub");
  ASSERT_TRUE(sub.ok());
  ASSERT_EQ(sub->size(), 3u);
  EXPECT_EQ(sub->at("a.png").stamp, image.stamp);
  EXPECT_EQ(sub->at("a.png").format, MediaFormat::kPng);
  EXPECT_FALSE(sub->at("a.png").has_text);
  EXPECT_EQ(sub->at("a.txt").kind, SidecarKind::kTags);
  EXPECT_TRUE(sub->at("a.txt").review);
  EXPECT_EQ(sub->at("a.txt").text, "1girl, solo");
  EXPECT_TRUE(sub->at("b.txt").has_text);
  EXPECT_EQ(sub->at("b.txt").text, "");
  auto other = (*m)->probes("in a", "other");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->count("x.png"), 0u);
  EXPECT_EQ(other->count("y.png"), 1u);

  // The input's other scope goes; the work folder's stays.
  ASSERT_TRUE((*m)->forget_probes_but("in ", "in a").ok());
  EXPECT_EQ((*m)->probes("in b", "sub")->size(), 0u);
  EXPECT_EQ((*m)->probes("in a", "sub")->size(), 3u);
  EXPECT_EQ((*m)->probes("work a", "sub")->size(), 1u);
  ASSERT_TRUE((*m)->forget_probes_but("in ", "in c").ok());
  EXPECT_EQ((*m)->probes("in a", "sub")->size(), 0u);
  EXPECT_EQ((*m)->probes("work a", "sub")->size(), 1u);
}

TEST(Manifest, WhatIsPutIsReadBackAfterReopening) {
  const fs::path dir = testing::fresh_temp_dir("manifest");
  {
    auto m = Manifest::open(dir / "m.sqlite");
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    ASSERT_TRUE((*m)->begin().ok());
    ASSERT_TRUE((*m)->put_item({"a/b.png", "00ff", "1:2:3", "image", "", ""}).ok());
    ASSERT_TRUE((*m)->put_result("a/b.png", "tags", {"fp1", "{\"tags\":\"1girl\"}", ""}).ok());
    ASSERT_TRUE((*m)->put_result("a/b.png", "detect", {"fp2", "", "cannot decode"}).ok());
    ASSERT_TRUE((*m)->commit().ok());
    ASSERT_TRUE((*m)->put_meta("config", "x = 1").ok());
    ASSERT_TRUE((*m)->add_exported({{"images_1/b.png", "a/b.png"}, {"images_1/b.txt", "a/b.txt"}}).ok());
    ASSERT_TRUE((*m)->remove_exported({"images_1/b.txt"}).ok());
  }
  auto m = Manifest::open(dir / "m.sqlite");
  ASSERT_TRUE(m.ok());
  auto item = (*m)->item("a/b.png");
  ASSERT_TRUE(item.ok() && item->has_value());
  EXPECT_EQ((*item)->hash, "00ff");
  EXPECT_EQ((*item)->stat, "1:2:3");
  auto tags = (*m)->result("a/b.png", "tags");
  ASSERT_TRUE(tags.ok() && tags->has_value());
  EXPECT_EQ((*tags)->fingerprint, "fp1");
  EXPECT_EQ((*tags)->data, "{\"tags\":\"1girl\"}");
  auto all = (*m)->results("a/b.png");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].first, "detect");
  EXPECT_EQ((*all)[0].second.error, "cannot decode");
  EXPECT_FALSE((*m)->result("a/b.png", "caption")->has_value());
  EXPECT_EQ(**(*m)->meta("config"), "x = 1");
  EXPECT_EQ(*(*m)->exported(), std::vector<std::string>{"images_1/b.png"});
  EXPECT_EQ(*(*m)->exported_from("a/b.png"), std::vector<std::string>{"images_1/b.png"});
  EXPECT_TRUE((*m)->exported_from("a/b.txt")->empty());
  // A placement whose source changed is written again; the same one is not.
  ASSERT_TRUE((*m)->add_exported({{"images_1/b.png", "a/c.png"}}).ok());
  EXPECT_TRUE((*m)->exported_from("a/b.png")->empty());
  EXPECT_EQ(*(*m)->exported_from("a/c.png"), std::vector<std::string>{"images_1/b.png"});
}

// A manifest as an older tagforge left it: `sql` run on a new database file.
fs::path older_manifest(const std::string& name, const char* sql) {
  const fs::path file = testing::fresh_temp_dir(name) / "m.sqlite";
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  return file;
}

TEST(Manifest, ASchemaOneManifestIsMigrated) {
  const fs::path file = older_manifest("manifest-v1",
                                       "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                                       "INSERT INTO meta VALUES('schema', '1');"
                                       "CREATE TABLE exported(path TEXT PRIMARY KEY);"
                                       "INSERT INTO exported VALUES('images_1/a.png');");
  auto m = Manifest::open(file);
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_EQ(**(*m)->meta("schema"), "4");
  EXPECT_EQ(*(*m)->exported(), std::vector<std::string>{"images_1/a.png"});
  EXPECT_TRUE((*m)->exported_from("a.png")->empty());  // unknown until the next export
  ASSERT_TRUE((*m)->add_exported({{"images_1/a.png", "a.png"}}).ok());
  EXPECT_EQ(*(*m)->exported_from("a.png"), std::vector<std::string>{"images_1/a.png"});
}

TEST(Manifest, ASchemaTwoManifestsFailuresAreRetriedOnce) {
  const fs::path file =
      older_manifest("manifest-v2",
                     "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                     "INSERT INTO meta VALUES('schema', '2');"
                     "CREATE TABLE results(path TEXT NOT NULL, stage TEXT NOT NULL, fingerprint TEXT NOT NULL,"
                     "  data TEXT NOT NULL, error TEXT NOT NULL, PRIMARY KEY(path, stage));"
                     "INSERT INTO results VALUES('a.png', 'tagger', 'f1', '{}', '');"
                     "INSERT INTO results VALUES('b.png', 'tagger', 'f2', '', 'out of memory');");
  auto m = Manifest::open(file);
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_EQ(**(*m)->meta("schema"), "4");
  // Schema 2 computed every failure again; after the migration the next run still does, once.
  EXPECT_EQ((*(*m)->result("a.png", "tagger"))->retry, 0);
  EXPECT_EQ((*(*m)->result("b.png", "tagger"))->retry, 1);
  ASSERT_TRUE((*m)->put_result("b.png", "tagger", StageResult{"f2", "", "broken", 0}).ok());
  EXPECT_EQ((*(*m)->result("b.png", "tagger"))->retry, 0);
}

// Schema 3 kept no stamp of an exported file: the row reads as not known until the next export.
TEST(Manifest, ASchemaThreeManifestsExportsGetAStamp) {
  const fs::path file = older_manifest("manifest-v3",
                                       "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                                       "INSERT INTO meta VALUES('schema', '3');"
                                       "CREATE TABLE exported(path TEXT PRIMARY KEY, source TEXT);"
                                       "INSERT INTO exported VALUES('images_1/a.png', 'a.png');");
  auto m = Manifest::open(file);
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_EQ(**(*m)->meta("schema"), "4");
  auto rows = (*m)->exported_after("", 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].source, "a.png");
  EXPECT_EQ((*rows)[0].stamp, "");
  ASSERT_TRUE((*m)->begin().ok());
  ASSERT_TRUE((*m)->note_exported("images_1/a.png", "a.png", "10:20:30").ok());
  ASSERT_TRUE((*m)->commit().ok());
  EXPECT_EQ((*(*m)->exported_after("", 10))[0].stamp, "10:20:30");
}

TEST(Manifest, AnUncommittedBatchIsGoneAfterAKill) {
  const fs::path dir = testing::fresh_temp_dir("manifest-kill");
  const fs::path file = dir / "m.sqlite";
  {
    auto m = Manifest::open(file);
    ASSERT_TRUE(m.ok());
    ASSERT_TRUE((*m)->put_item({"kept.png", "1", "", "image", "", ""}).ok());
  }
  const pid_t child = fork();
  if (child == 0) {
    auto m = Manifest::open(file);
    if (!m.ok() || !(*m)->begin().ok()) _exit(3);
    (void)(*m)->put_item({"lost.png", "2", "", "image", "", ""});
    ::kill(::getpid(), SIGKILL);  // mid-transaction
    _exit(4);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  auto m = Manifest::open(file);
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  auto items = (*m)->items();
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ((*items)[0].path, "kept.png");
}

TEST(Manifest, ANonDatabaseIsAClearError) {
  const fs::path dir = testing::fresh_temp_dir("manifest-bad");
  testing::write_file(dir / "m.sqlite", std::string(4096, 'x'));
  auto m = Manifest::open(dir / "m.sqlite");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().path, dir / "m.sqlite");
  EXPECT_NE(m.error().message.find("not a database"), std::string::npos) << m.error().message;
}

TEST(ContentHash, TellsBytesApartAndShardsEvenly) {
  const fs::path dir = testing::fresh_temp_dir("hash");
  std::string bytes(3 << 20, 'a');  // more than one read
  testing::write_file(dir / "a", bytes);
  auto a = hash_file(dir / "a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_EQ(*a, hash_bytes(bytes));
  bytes[bytes.size() - 1] = 'b';
  EXPECT_NE(hash_bytes(bytes), *a);
  EXPECT_EQ(hash_file(dir / "missing").error().code, ErrorCode::kIo);
  // 4 shards over 4,000 names: each within 10 % of a quarter.
  std::vector<int> counts(4);
  for (int i = 0; i < 4000; ++i) ++counts[shard_of(hash_bytes("file" + std::to_string(i)), 4)];
  for (int c : counts) EXPECT_NEAR(c, 1000, 100);
  EXPECT_EQ(shard_of("ffffffffffffffff", 1), 0u);
}

}  // namespace
}  // namespace tagforge
