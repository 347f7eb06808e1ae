// End-to-end: `tagforge dedupe` on a folder made from the test media: a
// half-size re-encode, a byte copy and a copy with the user's tags of one
// picture are one group that keeps the tagged full-size one; other pictures
// stay alone; a dry run changes nothing; the real one sets the others aside
// into duplicates_1 with their sidecars, and `tagforge undo` puts them back;
// a broken file is named.
#include <gtest/gtest.h>
#include <csignal>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "copies_tree.h"
#include "media_fixtures.h"
#include "run_cli.h"

namespace tagforge::e2e {
namespace {

namespace fs = std::filesystem;
using tagforge::testing::read_file;
using tagforge::testing::write_file;

using Snapshot = std::map<std::string, std::string>;

// The folder's files but its .tagforge state (journals, lock).
Snapshot files_of(const fs::path& root) {
  Snapshot s = snapshot(root);
  std::erase_if(s, [](const auto& entry) { return entry.first.rfind(".tagforge/", 0) == 0; });
  return s;
}

TEST(DedupeCli, CopiesAreOneGroupThatKeepsTheLargestTaggedOne) {
  const fs::path root = fresh_dir("dedupe");
  const fs::path media = TAGFORGE_TEST_MEDIA_DIR;
  const std::string club = read_file(media / "bg club.jpg");
  write_copies(root);
  const auto before = snapshot(root);

  CliResult r = run_cli({"dedupe", root.string(), "--json", "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("6 images, 1 groups, 3 duplicates would be set aside (dry run)"), std::string::npos) << r.err;
  const auto groups = json_lines(r.out);
  ASSERT_EQ(groups.size(), 1u) << r.out;
  const nlohmann::ordered_json& g = groups[0];
  EXPECT_EQ(g["keep"], (root / "c" / "club tagged.jpg").string()) << "full size, with the user's tags";
  EXPECT_EQ(g["width"], 1280);
  EXPECT_EQ(g["own_tags"], true);
  std::map<std::string, nlohmann::ordered_json> dup;
  for (const auto& d : g["duplicates"]) dup[fs::path(d["path"].get<std::string>()).filename().string()] = d;
  ASSERT_EQ(dup.size(), 3u);
  EXPECT_EQ(dup["club.jpg"]["exact"], true);
  EXPECT_EQ(dup["club copy.jpg"]["exact"], true);
  EXPECT_EQ(dup["club small.jpg"]["exact"], false);
  EXPECT_EQ(dup["club small.jpg"]["width"], 640);
  EXPECT_LE(dup["club small.jpg"]["dct_distance"].get<int>(), 2);
  // Where each would go: the sorter's names, the clash of two club.jpg settled by a suffix.
  EXPECT_EQ(dup["club.jpg"]["to"], "duplicates_1/club.jpg");
  EXPECT_EQ(dup["club small.jpg"]["to"], "duplicates_1/club small.jpg");
  EXPECT_EQ(dup["club copy.jpg"]["to"], "duplicates_1/club copy.jpg");
  EXPECT_EQ(snapshot(root), before) << "a dry run moves nothing";

  // The real thing: moved, journaled, and taken back by undo.
  write_file(root / "club small.txt", "indoors\n");  // a sidecar goes with its image
  const auto with_sidecar = snapshot(root);
  CliResult moved = run_cli({"dedupe", root.string()});
  ASSERT_EQ(moved.exit_code, 0) << moved.err;
  EXPECT_NE(moved.err.find("3 duplicates set aside"), std::string::npos) << moved.err;
  EXPECT_NE(moved.err.find("tagforge undo"), std::string::npos) << moved.err;
  EXPECT_FALSE(fs::exists(root / "club.jpg"));
  EXPECT_FALSE(fs::exists(root / "b" / "club copy.jpg"));
  EXPECT_EQ(read_file(root / "duplicates_1" / "club.jpg"), club);
  EXPECT_EQ(read_file(root / "duplicates_1" / "club copy.jpg"), club);
  EXPECT_EQ(read_file(root / "duplicates_1" / "club small.txt"), "indoors\n");
  EXPECT_EQ(read_file(root / "c" / "club tagged.jpg"), club) << "the keeper stays";
  EXPECT_TRUE(fs::exists(root / "meadow.jpg"));
  // What was set aside is not compared again.
  CliResult again = run_cli({"dedupe", root.string()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("3 images, 0 groups"), std::string::npos) << again.err;
  CliResult undo = run_cli({"undo", root.string()});
  ASSERT_EQ(undo.exit_code, 0) << undo.err;
  EXPECT_EQ(files_of(root), with_sidecar) << "undo puts every file back";

  write_file(root / "broken.png", "\x89PNG\r\n\x1a\nnot really");
  CliResult bad = run_cli({"dedupe", (root / "broken.png").string(), (root / "club.jpg").string(), "-q"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("broken.png"), std::string::npos) << bad.err;
  EXPECT_TRUE(bad.out.empty()) << "one image is no group: " << bad.out;
}

// Two expressions of one sprite are a few pixels apart; their own tag files, naming different
// expressions, keep them apart. With one list for both, the pixels decide.
TEST(DedupeCli, ASpritesExpressionsWithTheirOwnTagsAreNotCopies) {
  const fs::path root = fresh_dir("dedupe-faces");
  const fs::path media = TAGFORGE_TEST_MEDIA_DIR;
  for (const char* face : {"normal", "smile"}) {
    write_file(root / (std::string(face) + ".png"), read_file(media / ("sylvie blue " + std::string(face) + ".png")));
  }
  write_file(root / "normal.txt", "1girl, closed_mouth\n");
  write_file(root / "smile.txt", "1girl, smile\n");
  CliResult apart = run_cli({"dedupe", root.string(), "--json", "--dry-run", "-q"});
  ASSERT_EQ(apart.exit_code, 0) << apart.err;
  EXPECT_TRUE(json_lines(apart.out).empty()) << apart.out;
  write_file(root / "normal.txt", "1girl, smile\n");
  CliResult together = run_cli({"dedupe", root.string(), "--json", "--dry-run", "-q"});
  ASSERT_EQ(together.exit_code, 0) << together.err;
  EXPECT_EQ(json_lines(together.out).size(), 1u) << together.out;
}

// A sort of the folder afterwards (in place, and rebalancing every bucket) leaves the copies
// in duplicates_1: their bytes are plain images, but the dedupe decided they are copies.
TEST(DedupeCli, ASortAfterwardsLeavesTheCopiesSetAside) {
  const fs::path root = fresh_dir("dedupe-then-sort");
  write_copies(root);
  CliResult moved = run_cli({"dedupe", root.string(), "-q"});
  ASSERT_EQ(moved.exit_code, 0) << moved.err;
  ASSERT_TRUE(fs::exists(root / "duplicates_1" / "club copy.jpg"));
  for (const char* how : {"", "--rebalance"}) {
    std::vector<std::string> args{"sort", root.string(), "-q"};
    if (*how) args.push_back(how);
    CliResult sorted = run_cli(args);
    ASSERT_EQ(sorted.exit_code, 0) << how << sorted.err;
    for (const char* name : {"club.jpg", "club copy.jpg", "club small.jpg"}) {
      EXPECT_TRUE(fs::exists(root / "duplicates_1" / name)) << how << " " << name;
    }
    EXPECT_TRUE(fs::exists(root / "images_1" / "club tagged.jpg")) << how << " the keeper is sorted by its tags";
    EXPECT_TRUE(fs::exists(root / "images_1" / "club tagged.txt")) << how;
    EXPECT_TRUE(fs::exists(root / "missing_tags_1" / "meadow.jpg")) << how;
    EXPECT_FALSE(fs::exists(root / "missing_tags_1" / "club copy.jpg")) << how;
  }
}

// A dedupe killed at any point: the next dedupe finishes it (the clean run's files), or
// an undo puts every file back.
TEST(DedupeCli, KillNineAnywhereThenDedupeAgainOrUndo) {
  const fs::path ref = fresh_dir("dedupe-kill-ref");
  write_copies(ref);
  const Snapshot before = files_of(ref);
  ASSERT_EQ(run_cli({"dedupe", ref.string(), "-q"}).exit_code, 0);
  const Snapshot deduped = files_of(ref);
  ASSERT_NE(deduped, before);
  const fs::path dir = fresh_dir("dedupe-kill");
  int points = 0;
  for (int n = 1; n < 200 && !points; ++n) {
    for (bool finish_with_undo : {false, true}) {
      fs::remove_all(dir);
      write_copies(dir);
      CliResult killed = run_cli({"dedupe", dir.string(), "-q"}, {"TAGFORGE_TEST_CRASH_AFTER=" + std::to_string(n)});
      if (killed.exit_code == 0) {
        points = n - 1;
        EXPECT_EQ(files_of(dir), deduped);
        break;
      }
      ASSERT_EQ(killed.exit_code, -SIGKILL) << "crash point " << n << ": " << killed.err;
      if (finish_with_undo) {
        CliResult u = run_cli({"undo", dir.string()});
        EXPECT_TRUE(u.exit_code == 0 || u.exit_code == 2) << "crash point " << n << ": " << u.err;
        EXPECT_EQ(files_of(dir), before) << "undo after crash point " << n;
      } else {
        CliResult again = run_cli({"dedupe", dir.string(), "-q"});
        EXPECT_EQ(again.exit_code, 0) << "crash point " << n << ": " << again.err;
        EXPECT_EQ(files_of(dir), deduped) << "dedupe again after crash point " << n;
      }
      if (::testing::Test::HasFailure()) return;
    }
  }
  EXPECT_GT(points, 3) << "too few crash points to mean anything";
  std::printf("dedupe: kill -9 at each of %d crash points, then dedupe again or undo: the clean result\n", points);
}

}  // namespace
}  // namespace tagforge::e2e
