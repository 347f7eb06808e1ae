// End-to-end: the real binary on generated trees.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "media_fixtures.h"
#include "run_cli.h"

namespace tagforge::e2e {
namespace {

namespace fs = std::filesystem;
using tagforge::testing::png_bytes;
using tagforge::testing::write_example_tree;
using tagforge::testing::write_file;

TEST(Cli, ScanJsonCountsTheExampleTree) {
  auto root = fresh_dir("scanjson");
  const size_t written = write_example_tree(root, 1, true);
  CliResult r = run_cli({"scan", root.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["files"], written);
  EXPECT_EQ(j["animations"], 3);   // dance.gif, wave.webp, loop.apng
  EXPECT_EQ(j["videos"], 3);
  EXPECT_EQ(j["broken_detail"]["zero_byte"], 1);
  EXPECT_EQ(j["broken_detail"]["truncated"], 1);
  EXPECT_EQ(j["broken_detail"]["extension_lies"], 1);
  EXPECT_EQ(j["mislabelled"], 1);
  EXPECT_EQ(j["sidecars"]["captions"], 1);
  EXPECT_EQ(j["sidecars"]["orphaned"], 1);
  // Every problem names its file; the newline in a name is escaped.
  for (const auto& p : j["problems"]) EXPECT_FALSE(p["path"].get<std::string>().empty());
  CliResult text = run_cli({"scan", root.string()});
  EXPECT_NE(text.out.find("images"), std::string::npos);
  EXPECT_NE(text.err.find("cut.jpg: truncated"), std::string::npos);
  CliResult dry = run_cli({"sort", root.string(), "--dry-run"});
  EXPECT_NE(dry.out.find("new\\nline.png"), std::string::npos) << dry.out;
  fs::remove_all(root);
}

TEST(Cli, SortThenUndoRestoresExactPathsAndBytes) {
  auto root = fresh_dir("roundtrip");
  write_example_tree(root, 3, true);
  ::chmod((root / "shoot").c_str(), 0750);
  const auto before = snapshot(root);
  const auto dirs_before = dir_list(root);

  CliResult s = run_cli({"sort", root.string(), "--bucket-size", "7"});
  ASSERT_EQ(s.exit_code, 0) << s.err << s.out;
  EXPECT_NE(s.out.find("journal: "), std::string::npos);
  auto after = snapshot(root);
  EXPECT_EQ(after.size(), before.size());  // nothing lost, nothing doubled
  EXPECT_TRUE(fs::exists(root / "images_1/img1.jpg"));
  EXPECT_TRUE(fs::exists(root / "images_1/img1.txt"));
  EXPECT_TRUE(fs::exists(root / "gifs_1/dance.gif"));
  EXPECT_TRUE(fs::exists(root / "gifs_1/dance.txt"));
  EXPECT_TRUE(fs::exists(root / "processed_gifs_1/dance_f1.png"));
  EXPECT_TRUE(fs::exists(root / "processed_videos_1/clip_f1.png"));
  EXPECT_TRUE(fs::exists(root / "videos_1/clip.mp4"));
  EXPECT_TRUE(fs::exists(root / "unknown_files_1/page.jpg"));
  EXPECT_TRUE(fs::exists(root / "unknown_files_1/orphan.txt"));
  EXPECT_FALSE(fs::exists(root / "shoot"));  // emptied subfolders go
  for (const auto& d : dir_list(root)) {
    size_t media = 0;
    for (const auto& e : fs::directory_iterator(root / d)) {
      auto ext = e.path().extension();
      if (ext != ".txt" && ext != ".caption" && ext != ".json") ++media;
    }
    EXPECT_LE(media, 7u) << d;
  }

  // A second sort finds nothing to do and writes no journal.
  CliResult again = run_cli({"sort", root.string(), "--bucket-size", "7", "--json"});
  ASSERT_EQ(again.exit_code, 0);
  auto j = nlohmann::json::parse(again.out);
  EXPECT_EQ(j["planned_files"], 0);
  EXPECT_TRUE(j["journal"].is_null());
  EXPECT_EQ(snapshot(root), after);

  CliResult u = run_cli({"undo", root.string()});
  ASSERT_EQ(u.exit_code, 0) << u.err;
  EXPECT_EQ(snapshot(root), before);
  EXPECT_EQ(dir_list(root), dirs_before);
  struct stat st;
  ASSERT_EQ(::stat((root / "shoot").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0750u);
  // Nothing more to undo.
  EXPECT_EQ(run_cli({"undo", root.string()}).exit_code, 2);
  fs::remove_all(root);
}

TEST(Cli, NewFilesJoinASortedFolderWithoutReshuffling) {
  auto root = fresh_dir("append");
  for (int i = 1; i <= 5; ++i) write_file(root / ("a" + std::to_string(i) + ".png"), png_bytes(i));
  ASSERT_EQ(run_cli({"sort", root.string(), "--bucket-size", "2"}).exit_code, 0);
  write_file(root / "a0.png", png_bytes(99));  // sorts first by name
  auto j = nlohmann::json::parse(run_cli({"sort", root.string(), "--bucket-size", "2", "--json"}).out);
  EXPECT_EQ(j["moved"], 1);
  EXPECT_TRUE(fs::exists(root / "missing_tags_3/a0.png"));  // the gap in bucket 3
  // --rebalance re-plans everything in natural order.
  ASSERT_EQ(run_cli({"sort", root.string(), "--bucket-size", "2", "--rebalance"}).exit_code, 0);
  EXPECT_TRUE(fs::exists(root / "missing_tags_1/a0.png"));
  EXPECT_EQ(snapshot(root).size(), 6u);
  // Undo twice walks back through both re-sorts... and the first.
  for (int k = 0; k < 3; ++k) ASSERT_EQ(run_cli({"undo", root.string()}).exit_code, 0);
  EXPECT_TRUE(fs::exists(root / "a0.png"));
  EXPECT_TRUE(fs::exists(root / "a5.png"));
  fs::remove_all(root);
}

TEST(Cli, DestInsideSourceCopyModeAndCrossDevice) {
  auto root = fresh_dir("dest");
  write_example_tree(root, 1, false);
  const auto before = snapshot(root);
  // Destination inside the source: not scanned into itself.
  ASSERT_EQ(run_cli({"sort", root.string(), "--dest", (root / "sorted").string()}).exit_code, 0);
  EXPECT_TRUE(fs::exists(root / "sorted/images_1/img1.jpg"));
  EXPECT_EQ(snapshot(root).size(), before.size());
  ASSERT_EQ(run_cli({"undo", root.string()}).exit_code, 0);
  EXPECT_EQ(snapshot(root), before);

  // Copy mode hard-links; the source is untouched; undo removes the links.
  auto dest = fresh_dir("dest-copy");
  ASSERT_EQ(run_cli({"sort", root.string(), "--dest", dest.string(), "--copy"}).exit_code, 0);
  EXPECT_EQ(snapshot(root), before);
  EXPECT_EQ(snapshot(dest).size(), before.size());
  ASSERT_EQ(run_cli({"undo", root.string()}).exit_code, 0);
  EXPECT_TRUE(snapshot(dest).empty());

  // Across file systems (tmpfs at /dev/shm): copy, fsync, verify, unlink.
  if (fs::exists("/dev/shm")) {
    fs::path shm = fs::path("/dev/shm") / ("tagforge-e2e-" + std::to_string(::getpid()));
    fs::remove_all(shm);
    CliResult r = run_cli({"sort", root.string(), "--dest", shm.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(snapshot(shm).size(), before.size());
    EXPECT_TRUE(snapshot(root).empty());
    ASSERT_EQ(run_cli({"undo", root.string()}).exit_code, 0);
    EXPECT_EQ(snapshot(root), before);
    fs::remove_all(shm);
  }
  fs::remove_all(root);
  fs::remove_all(dest);
}

TEST(Cli, CollisionNeverOverwritesAndUndoRestoresNames) {
  auto root = fresh_dir("collision");
  write_file(root / "one/a.png", png_bytes(1));
  write_file(root / "one/a.txt", "x");
  write_file(root / "two/a.png", png_bytes(2));
  write_file(root / "two/a.txt", "y");
  const auto before = snapshot(root);
  ASSERT_EQ(run_cli({"sort", root.string()}).exit_code, 0);
  auto after = snapshot(root);
  EXPECT_EQ(after.at("images_1/a.png"), png_bytes(1));
  EXPECT_EQ(after.at("images_1/a~2.png"), png_bytes(2));
  EXPECT_EQ(after.at("images_1/a~2.txt"), "y");
  ASSERT_EQ(run_cli({"undo", root.string()}).exit_code, 0);
  EXPECT_EQ(snapshot(root), before);
  fs::remove_all(root);
}

TEST(Cli, DryRunChangesNothing) {
  auto root = fresh_dir("dry");
  write_example_tree(root, 1, true);
  const auto before = snapshot(root);
  CliResult r = run_cli({"sort", root.string(), "--dry-run"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find(" -> images_1/img1.jpg"), std::string::npos) << r.out;
  EXPECT_EQ(snapshot(root), before);
  EXPECT_FALSE(fs::exists(root / ".tagforge"));
  fs::remove_all(root);
}

TEST(Cli, SymlinksAreNeverFollowedNorMoved) {
  auto root = fresh_dir("links");
  write_file(root / "a.png", png_bytes(1));
  fs::create_directories(root / "sub");
  fs::create_directory_symlink("..", root / "sub/loop");
  fs::create_directory_symlink("/usr", root / "outside");
  auto j = nlohmann::json::parse(run_cli({"scan", root.string(), "--json"}).out);
  EXPECT_EQ(j["files"], 1);
  EXPECT_EQ(j["skipped"]["symlinks"], 2);
  ASSERT_EQ(run_cli({"sort", root.string()}).exit_code, 0);
  EXPECT_TRUE(fs::is_symlink(root / "sub/loop"));
  EXPECT_TRUE(fs::is_symlink(root / "outside"));
  fs::remove_all(root);
}

TEST(Cli, UsageErrorsExitTwoAndNameTheProblem) {
  CliResult r = run_cli({"scan", "/nonexistent/tagforge-dir"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent/tagforge-dir"), std::string::npos);
  EXPECT_EQ(run_cli({"sort"}).exit_code, 2);
  EXPECT_EQ(run_cli({"frobnicate"}).exit_code, 2);
  auto root = fresh_dir("usage");
  r = run_cli({"sort", root.string(), "--folder", "nonsense=x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nonsense=x"), std::string::npos);
  // A leading-dash file name is data, not a flag.
  write_file(root / "-x.png", png_bytes(1));
  EXPECT_EQ(run_cli({"scan", "--", root.string()}).exit_code, 0);
  fs::remove_all(root);
}

TEST(Cli, UnreadableFilesAreReportedAndTheRunGoesOn) {
  // Root reads everything, so the check runs the CLI as nobody.
  auto root = fresh_dir("unreadable");
  ::chmod(root.c_str(), 0777);
  write_file(root / "ok.png", png_bytes(1));
  write_file(root / "secret.png", png_bytes(2));
  fs::create_directories(root / "locked");
  write_file(root / "locked/x.png", png_bytes(3));
  ::chmod((root / "secret.png").c_str(), 0);
  ::chmod((root / "locked").c_str(), 0);
  const int nobody = 65534;
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to drop to nobody";
  CliResult r = run_cli({"scan", root.string(), "--json"}, {}, nobody);
  ASSERT_EQ(r.exit_code, 1) << r.err;  // some files failed
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["images"], 1);
  EXPECT_EQ(j["broken_detail"]["unreadable"], 1);
  EXPECT_EQ(j["skipped"]["unreadable_dirs"], 1);
  std::string problems = j["problems"].dump();
  EXPECT_NE(problems.find("secret.png"), std::string::npos);
  EXPECT_NE(problems.find("locked"), std::string::npos);
  ::chmod((root / "locked").c_str(), 0755);
  fs::remove_all(root);
}

}  // namespace
}  // namespace tagforge::e2e
