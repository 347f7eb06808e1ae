// End-to-end: `tagforge tags clean` and `tags stats` on a generated folder.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "media_fixtures.h"
#include "run_cli.h"

namespace tagforge::e2e {
namespace {

using tagforge::testing::png_bytes;
using tagforge::testing::read_file;
using tagforge::testing::write_file;

TEST(TagsCli, CleanRewritesTagFilesAndLeavesCaptionsAlone) {
  auto root = fresh_dir("tagsclean");
  write_file(root / "a.png", png_bytes(1));
  write_file(root / "a.txt", "1girl, Long Hair, long hair, very long hair, 1girls, (smile:1.2), my_trigger\n");
  write_file(root / "sub" / "b.png", png_bytes(2));
  const std::string caption = "A girl with very long hair smiles at the viewer. She stands in a field.";
  write_file(root / "sub" / "b.txt", caption);
  write_file(root / "c.png", png_bytes(3));
  write_file(root / "c.txt", "solo, 2girls, thighhighs, black thighhighs");

  CliResult dry = run_cli({"tags", "clean", root.string(), "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("1girl, very_long_hair, smile, my_trigger"), std::string::npos) << dry.out;
  EXPECT_EQ(read_file(root / "a.txt"), "1girl, Long Hair, long hair, very long hair, 1girls, (smile:1.2), my_trigger\n");

  CliResult r = run_cli({"tags", "clean", root.string(), "--explain"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(root / "a.txt"), "1girl, very_long_hair, smile, my_trigger");
  EXPECT_EQ(read_file(root / "sub" / "b.txt"), caption);
  const std::string c = read_file(root / "c.txt");
  EXPECT_EQ(c.find("thighhighs, "), std::string::npos);  // redundant plain thighhighs went
  EXPECT_NE(c.find("black_thighhighs"), std::string::npos);
  EXPECT_TRUE(c == "solo, black_thighhighs" || c == "2girls, black_thighhighs") << c;
  EXPECT_NE(r.err.find("redundant: implied by very_long_hair"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("a caption, not a tag list"), std::string::npos) << r.err;

  // Idempotent: a second run changes nothing.
  CliResult again = run_cli({"tags", "clean", root.string()});
  ASSERT_EQ(again.exit_code, 0);
  EXPECT_NE(again.err.find("0 changed"), std::string::npos) << again.err;

  // Formatting flags, kohya style, on one file.
  CliResult fmt = run_cli({"tags", "clean", (root / "a.txt").string(), "--remove-underscore", "--always-first",
                           "my_trigger", "--separator", ","});
  ASSERT_EQ(fmt.exit_code, 0) << fmt.err;
  EXPECT_EQ(read_file(root / "a.txt"), "my trigger,1girl,very long hair,smile");
}

TEST(TagsCli, StatsCountsPerCategory) {
  auto root = fresh_dir("tagsstats");
  write_file(root / "a.png", png_bytes(1));
  write_file(root / "a.txt", "1girl, hatsune miku, smile");
  write_file(root / "b.png", png_bytes(2));
  write_file(root / "b.txt", "1girl, smile, my_trigger");
  CliResult r = run_cli({"tags", "stats", root.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tag_files"], 2);
  EXPECT_EQ(j["distinct"], 4);
  EXPECT_EQ(j["categories"]["general"][0]["tag"], "1girl");
  EXPECT_EQ(j["categories"]["general"][0]["count"], 2);
  EXPECT_EQ(j["categories"]["character"][0]["tag"], "hatsune_miku");
  EXPECT_EQ(j["categories"]["unknown"][0]["tag"], "my_trigger");
}

TEST(TagsCli, BadInputIsNamedAndTheRunGoesOn) {
  auto root = fresh_dir("tagsbad");
  write_file(root / "ok.txt", "Smile");
  CliResult r = run_cli({"tags", "clean", (root / "missing.txt").string(), (root / "ok.txt").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing.txt"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(root / "ok.txt"), "smile");
  CliResult bad = run_cli({"tags", "clean", (root / "ok.txt").string(), "--replace", "a,b,c"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--replace"), std::string::npos);
  CliResult rules = run_cli({"tags", "clean", (root / "ok.txt").string(), "--rules", (root / "ok.txt").string()});
  EXPECT_EQ(rules.exit_code, 2);
}

}  // namespace
}  // namespace tagforge::e2e
