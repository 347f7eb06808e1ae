// End-to-end: `tagforge caption` and `tagforge score` on generated folders.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "media_fixtures.h"
#include "run_cli.h"

namespace tagforge::e2e {
namespace {

using tagforge::testing::png_bytes;
using tagforge::testing::read_file;
using tagforge::testing::write_file;

TEST(CaptionCli, StdinGivesOneCaptionPerLine) {
  CliResult r = run_cli({"caption", "--stdin", "--trigger", "ohwx"}, {}, -1,
                        "1girl, solo, blonde hair, red eyes, red dress, smile\n2girls, holding hands, outdoors\n\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "ohwx, a smiling girl with blonde hair and red eyes wears a red dress.\n"
            "ohwx, two girls are holding hands outdoors.\n"
            "ohwx\n");
}

TEST(CaptionCli, FoldersGetCaptionFilesAndExistingOnesAreKept) {
  auto root = fresh_dir("caption-dir");
  write_file(root / "a.png", png_bytes(1));
  write_file(root / "a.txt", "1girl, solo, long_hair, smile, sitting, outdoors");
  write_file(root / "sub" / "b.png", png_bytes(2));
  write_file(root / "sub" / "b.txt", "no_humans, scenery, sky, cloud");
  write_file(root / "sub" / "b.caption", "my own words");
  write_file(root / "c.png", png_bytes(3));  // no tags: nothing to write

  CliResult r = run_cli({"caption", root.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(root / "a.caption"), "A smiling girl with long hair is sitting outdoors.\n");
  EXPECT_EQ(read_file(root / "sub" / "b.caption"), "my own words");
  EXPECT_FALSE(std::filesystem::exists(root / "c.caption"));
  EXPECT_NE(r.err.find("1 captions written, 1 existing kept"), std::string::npos) << r.err;

  r = run_cli({"caption", root.string(), "--overwrite"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(root / "sub" / "b.caption"), "A scene with a landscape, a sky and clouds.\n");
}

TEST(CaptionCli, CoverageMeetsTheTarget) {
  CliResult r = run_cli({"caption", "--coverage", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["top"], 2000);
  EXPECT_GE(j["weighted_coverage"].get<double>(), 0.95);
}

TEST(ScoreCli, OnePairAsJson) {
  CliResult r = run_cli({"score", "--tags", "1girl, red_dress, blonde_hair", "--caption",
                         "A girl in a pink dress with blonde hair.", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"tag_inclusion", "english_similarity", "segmentation", "overall", "missing",
                          "contradicted", "extra", "quality_tags"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_TRUE(j["segmentation"].is_null());
  EXPECT_EQ(j["missing"], nlohmann::json::array({"red_dress"}));
  ASSERT_EQ(j["contradicted"].size(), 1u);
  EXPECT_LT(j["overall"].get<double>(), 0.6);
}

TEST(ScoreCli, FolderWritesQualityTagsOnceAndFlagsTheWorst) {
  auto root = fresh_dir("score-dir");
  write_file(root / "good.png", png_bytes(1));
  write_file(root / "good.txt", "1girl, solo, long_hair, smile, sitting, outdoors\n");
  write_file(root / "good.caption", "A smiling girl with long hair is sitting outdoors.");
  write_file(root / "bad.png", png_bytes(2));
  write_file(root / "bad.txt", "1girl, solo, red_dress, long_hair, outdoors");
  write_file(root / "bad.caption", "Two boys in blue dresses with short hair, indoors.");

  CliResult r = run_cli({"score", root.string(), "--write"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("scored 2 captions"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 flagged"), std::string::npos) << r.out;
  EXPECT_EQ(read_file(root / "good.txt"), "1girl, solo, long_hair, smile, sitting, outdoors, auto_best_caption, accuracy_90\n");
  const std::string bad = read_file(root / "bad.txt");
  EXPECT_NE(bad.find("auto_worst_caption"), std::string::npos) << bad;
  EXPECT_NE(bad.find("needs_review"), std::string::npos) << bad;  // flagged

  // Again: the old quality tags are replaced, not added to.
  r = run_cli({"score", root.string(), "--write"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(root / "good.txt"), "1girl, solo, long_hair, smile, sitting, outdoors, auto_best_caption, accuracy_90\n");
  EXPECT_EQ(read_file(root / "bad.txt"), bad);

  // The sorter sends the flagged image, sidecars and all, to review_1.
  r = run_cli({"sort", root.string(), "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(root / "review_1" / "bad.png"));
  EXPECT_TRUE(std::filesystem::exists(root / "review_1" / "bad.txt"));
  EXPECT_TRUE(std::filesystem::exists(root / "review_1" / "bad.caption"));
  EXPECT_TRUE(std::filesystem::exists(root / "images_1" / "good.png"));
}

}  // namespace
}  // namespace tagforge::e2e
