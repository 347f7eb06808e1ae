#include "sort/plan.h"
#include "sort/classify.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <unordered_set>

#include "media_fixtures.h"

namespace tagforge {
namespace {

namespace fs = std::filesystem;
using namespace tagforge::testing;

SortPlan plan_of(const fs::path& root, SortOptions opt = {}, fs::path dest = {}) {
  auto scan = scan_tree(root, ScanOptions{});
  EXPECT_TRUE(scan.ok());
  auto plan = plan_sort(*scan, dest.empty() ? root : dest, opt);
  EXPECT_TRUE(plan.ok());
  return std::move(*plan);
}

TEST(Classify, ExtractedFramesGoWithTheirSource) {
  auto root = fresh_temp_dir("classify-frames");
  write_file(root / "dance.gif", gif_bytes(3));
  write_file(root / "dance_s0_f0.png", png_bytes(1));     // as tagforge extract names frames
  write_file(root / "dance_s2_f14.png", png_bytes(2));
  write_file(root / "dance_f3.png", png_bytes(3));        // the older name
  write_file(root / "take_s1.mp4", mp4_bytes());           // a source whose own name ends in _s1
  write_file(root / "take_s1_f2.png", png_bytes(4));
  write_file(root / "nobody_s1_f2.png", png_bytes(5));    // no such source: an image
  auto scan = scan_tree(root, ScanOptions{});
  ASSERT_TRUE(scan.ok());
  const auto classes = classify_items(*scan, true);
  std::map<std::string, SortClass> by_name;
  for (size_t i = 0; i < scan->items.size(); ++i) by_name[scan->items[i].name] = classes[i];
  EXPECT_EQ(by_name["dance_s0_f0.png"], SortClass::kProcessedGifs);
  EXPECT_EQ(by_name["dance_s2_f14.png"], SortClass::kProcessedGifs);
  EXPECT_EQ(by_name["dance_f3.png"], SortClass::kProcessedGifs);
  EXPECT_EQ(by_name["take_s1_f2.png"], SortClass::kProcessedVideos);
  EXPECT_EQ(by_name["nobody_s1_f2.png"], SortClass::kMissingTags);
}

TEST(Classify, TheDuplicatesAndLowQualityFoldersKeepTheirStills) {
  auto root = fresh_temp_dir("classify-kept");
  write_file(root / "duplicates_2" / "copy.png", png_bytes(1));
  write_file(root / "duplicates_2" / "copy.txt", "1girl");
  write_file(root / "low_quality_1" / "blurry.png", png_bytes(2));
  write_file(root / "low_quality_1" / "blurry.txt", "1girl");
  write_file(root / "low_quality_1" / "clip.mp4", mp4_bytes());  // not a still: goes by its bytes
  write_file(root / "low_quality" / "plain.png", png_bytes(3));  // no bucket number: an ordinary folder
  write_file(root / "images_1" / "fine.png", png_bytes(4));
  auto scan = scan_tree(root, ScanOptions{});
  ASSERT_TRUE(scan.ok());
  const SortOptions options;
  const auto classes = classify_items(*scan, true, options.folder);
  std::map<std::string, SortClass> by_name;
  for (size_t i = 0; i < scan->items.size(); ++i) by_name[scan->items[i].name] = classes[i];
  EXPECT_EQ(by_name["copy.png"], SortClass::kDuplicates);
  EXPECT_EQ(by_name["blurry.png"], SortClass::kLowQuality);
  EXPECT_EQ(by_name["clip.mp4"], SortClass::kVideos);
  EXPECT_EQ(by_name["plain.png"], SortClass::kMissingTags);
  EXPECT_EQ(by_name["fine.png"], SortClass::kMissingTags);
  // Without the folders' names nothing is kept by its folder.
  const auto plain = classify_items(*scan, true);
  for (size_t i = 0; i < scan->items.size(); ++i) {
    if (scan->items[i].name == "copy.png") EXPECT_EQ(plain[i], SortClass::kImages);
    if (scan->items[i].name == "blurry.png") EXPECT_EQ(plain[i], SortClass::kImages);
  }
  EXPECT_EQ(sort_class_key(SortClass::kLowQuality), "low_quality");
  SortClass parsed{};
  EXPECT_TRUE(parse_sort_class("low_quality", &parsed));
  EXPECT_EQ(parsed, SortClass::kLowQuality);
}

TEST(Plan, BucketNumbers) {
  EXPECT_EQ(bucket_number("images_12", "images"), 12u);
  EXPECT_EQ(bucket_number("images_0", "images"), 0u);
  EXPECT_EQ(bucket_number("images_01", "images"), 0u);
  EXPECT_EQ(bucket_number("images_", "images"), 0u);
  EXPECT_EQ(bucket_number("images_1x", "images"), 0u);
  EXPECT_EQ(bucket_number("missing_tags_3", "images"), 0u);
}

TEST(Plan, FillsBucketsInNaturalOrderWithSidecarsAlong) {
  auto root = fresh_temp_dir("plan-fill");
  for (int i = 1; i <= 5; ++i) {
    write_file(root / ("p" + std::to_string(i) + ".png"), png_bytes(i));
    write_file(root / ("p" + std::to_string(i) + ".txt"), "tag");
  }
  write_file(root / "p10.png", png_bytes(10));
  write_file(root / "p10.txt", "tag");
  SortOptions opt;
  opt.bucket_size = 4;
  SortPlan plan = plan_of(root, opt);
  ASSERT_EQ(plan.moves.size(), 12u);
  EXPECT_EQ(plan.moves[0].src, "p1.png");
  EXPECT_EQ(plan.moves[0].dst, "images_1/p1.png");
  EXPECT_EQ(plan.moves[1].dst, "images_1/p1.txt");
  EXPECT_EQ(plan.moves[8].dst, "images_2/p5.png");
  EXPECT_EQ(plan.moves[10].dst, "images_2/p10.png");  // 10 after 5, not after 1
  EXPECT_EQ(plan.mkdirs, (std::vector<std::string>{"images_1", "images_2"}));
  fs::remove_all(root);
}

TEST(Plan, CollisionGetsOneSuffixForTheWholeGroup) {
  auto root = fresh_temp_dir("plan-collide");
  write_file(root / "x/a.png", png_bytes(1));
  write_file(root / "x/a.txt", "tag");
  write_file(root / "y/a.png", png_bytes(2));
  write_file(root / "y/a.png.txt", "tag");
  SortPlan plan = plan_of(root);
  ASSERT_EQ(plan.moves.size(), 4u);
  EXPECT_EQ(plan.renamed, 1u);
  EXPECT_EQ(plan.moves[2].dst, "images_1/a~2.png");
  EXPECT_EQ(plan.moves[3].dst, "images_1/a~2.png.txt");
  EXPECT_TRUE(plan.moves[2].renamed);
  fs::remove_all(root);
}

TEST(Plan, SettledFilesStayAndOverflowMoves) {
  auto root = fresh_temp_dir("plan-settled");
  for (int i = 1; i <= 3; ++i) write_file(root / "missing_tags_1" / ("m" + std::to_string(i) + ".png"), png_bytes(i));
  write_file(root / "new.png", png_bytes(9));
  SortOptions opt;
  opt.bucket_size = 2;
  SortPlan plan = plan_of(root, opt);
  EXPECT_EQ(plan.items_in_place, 2u);
  ASSERT_EQ(plan.moves.size(), 2u);
  EXPECT_EQ(plan.moves[0].src, "missing_tags_1/m3.png");  // evicted: last in natural order
  EXPECT_EQ(plan.moves[0].dst, "missing_tags_2/m3.png");
  EXPECT_EQ(plan.moves[1].dst, "missing_tags_2/new.png");
  fs::remove_all(root);
}

TEST(Plan, ExistingNamesInADestinationAreNeverReused) {
  auto root = fresh_temp_dir("plan-destsrc");
  auto dest = fresh_temp_dir("plan-destdst");
  write_file(root / "a.png", png_bytes(1));
  write_file(dest / "missing_tags_1/a.png", png_bytes(2));
  SortPlan plan = plan_of(root, {}, dest);
  ASSERT_EQ(plan.moves.size(), 1u);
  EXPECT_EQ(plan.moves[0].dst, "missing_tags_1/a~2.png");
  EXPECT_TRUE(plan.mkdirs.empty());
  fs::remove_all(root);
  fs::remove_all(dest);
}

TEST(Plan, SharedFolderNamesMergeClasses) {
  auto root = fresh_temp_dir("plan-merge");
  write_file(root / "a.png", png_bytes(1));
  write_file(root / "b.png", png_bytes(2));
  write_file(root / "b.txt", "tag");
  SortOptions opt;
  opt.folder[static_cast<size_t>(SortClass::kMissingTags)] = "images";
  SortPlan plan = plan_of(root, opt);
  ASSERT_EQ(plan.moves.size(), 3u);
  for (const auto& m : plan.moves) EXPECT_EQ(m.dst.rfind("images_1/", 0), 0u) << m.dst;
  fs::remove_all(root);
}

TEST(Plan, PlacedSuffix) {
  EXPECT_EQ(placed_suffix("a.png", "a.png"), "");
  EXPECT_EQ(placed_suffix("a~2.png", "a.png"), "~2");
  EXPECT_EQ(placed_suffix("a~12.png", "a.png"), "~12");
  EXPECT_EQ(placed_suffix("a~2", "a"), "~2");
  EXPECT_EQ(placed_suffix("b.png", "a.png"), std::nullopt);
  EXPECT_EQ(placed_suffix("a.jpg", "a.png"), std::nullopt);
  EXPECT_EQ(placed_suffix("a~1.png", "a.png"), std::nullopt);   // place() starts at ~2
  EXPECT_EQ(placed_suffix("a~02.png", "a.png"), std::nullopt);
  EXPECT_EQ(placed_suffix("a~x.png", "a.png"), std::nullopt);
  EXPECT_EQ(placed_suffix("a_2.png", "a.png"), std::nullopt);
  EXPECT_EQ(with_suffix("a.png.txt", 1, "~2"), "a~2.png.txt");
  EXPECT_EQ(with_suffix("a", 3, "~2"), "a~2");
}

// The export's way: items kept where an earlier plan put them, then the rest placed, gaps first,
// around the names the kept ones hold.
TEST(Plan, KeptItemsStayAndNewcomersFillTheGaps) {
  SortOptions opt;
  opt.bucket_size = 2;
  const ScanResult none;
  SortPlanner planner(none, "/nonexistent-plan-dest", opt);
  std::map<std::string, std::unordered_set<std::string>> kept_names;
  std::vector<std::string> asked;
  planner.set_names_in([&](const std::string& folder, std::unordered_set<std::string>& names) {
    asked.push_back(folder);
    names = kept_names[folder];
  });
  auto item = [](const std::string& name, std::vector<std::string> sidecars = {}) {
    Item it;
    it.name = name;
    for (auto& s : sidecars) it.sidecars.emplace_back().name = s;
    return it;
  };
  std::vector<std::string> mkdirs;
  std::vector<JournalMove> moves;
  // images_1 keeps one (a gap), images_2 two (full); a third into images_2 does not fit.
  ASSERT_TRUE(planner.keep(item("x.png", {"x.txt"}), "d", SortClass::kImages, 1, "", moves));
  ASSERT_TRUE(planner.keep(item("y.png", {"y.txt"}), "e", SortClass::kImages, 2, "~3", moves));
  ASSERT_TRUE(planner.keep(item("z.png"), "", SortClass::kImages, 2, "", moves));
  EXPECT_FALSE(planner.keep(item("w.png"), "", SortClass::kImages, 2, "", moves));
  ASSERT_EQ(moves.size(), 5u);
  EXPECT_EQ(moves[0].src, "d/x.png");
  EXPECT_EQ(moves[0].dst, "images_1/x.png");
  EXPECT_EQ(moves[2].src, "e/y.png");
  EXPECT_EQ(moves[2].dst, "images_2/y~3.png");
  EXPECT_EQ(moves[3].dst, "images_2/y~3.txt");
  EXPECT_EQ(moves[4].dst, "images_2/z.png");
  EXPECT_TRUE(asked.empty()) << "no names are asked for while items are kept";

  kept_names["images_1"] = {"x.png", "x.txt"};
  moves.clear();
  planner.place(item("x.png"), "f", SortClass::kImages, mkdirs, moves);  // the gap in images_1, renamed
  planner.place(item("w.png"), "", SortClass::kImages, mkdirs, moves);   // images_2 is full: images_3
  ASSERT_EQ(moves.size(), 2u);
  EXPECT_EQ(moves[0].dst, "images_1/x~2.png");
  EXPECT_EQ(moves[1].dst, "images_3/w.png");
  EXPECT_EQ(asked, (std::vector<std::string>{"images_1", "images_3"}));  // a full one is not read
}

}  // namespace
}  // namespace tagforge
