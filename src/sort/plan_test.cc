#include "sort/plan.h"
#include "sort/classify.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

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

}  // namespace
}  // namespace tagforge
