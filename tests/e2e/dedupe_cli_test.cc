// End-to-end: `tagforge dedupe` on a folder made from the test media: a
// half-size re-encode, a byte copy and a copy with the user's tags of one
// picture are one group that keeps the tagged full-size one; other pictures
// stay alone; nothing in the folder changes; a broken file is named.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "media/decode.h"
#include "media/encode.h"
#include "media/resample.h"
#include "media_fixtures.h"
#include "run_cli.h"

namespace tagforge::e2e {
namespace {

namespace fs = std::filesystem;
using tagforge::testing::read_file;
using tagforge::testing::write_file;

TEST(DedupeCli, CopiesAreOneGroupThatKeepsTheLargestTaggedOne) {
  const fs::path root = fresh_dir("dedupe");
  const fs::path media = TAGFORGE_TEST_MEDIA_DIR;
  const std::string club = read_file(media / "bg club.jpg");
  write_file(root / "club.jpg", club);
  write_file(root / "b" / "club copy.jpg", club);
  write_file(root / "c" / "club tagged.jpg", club);
  write_file(root / "c" / "club tagged.txt", "indoors, no_humans\n");
  auto decoded = decode_image(media / "bg club.jpg");
  ASSERT_TRUE(decoded.ok());
  const Image8 half = resize_bicubic_like_pil(decoded->image, decoded->image.width / 2, decoded->image.height / 2);
  auto small = encode_image(half, "jpg", 60, "club small.jpg");
  ASSERT_TRUE(small.ok());
  write_file(root / "club small.jpg", *small);
  write_file(root / "meadow.jpg", read_file(media / "bg meadow.jpg"));
  write_file(root / "uni.jpg", read_file(media / "bg uni.jpg"));
  const auto before = snapshot(root);

  CliResult r = run_cli({"dedupe", root.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("6 images, 1 groups, 3 duplicates"), std::string::npos) << r.err;
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
  EXPECT_EQ(snapshot(root), before) << "dedupe only reports";

  write_file(root / "broken.png", "\x89PNG\r\n\x1a\nnot really");
  CliResult bad = run_cli({"dedupe", (root / "broken.png").string(), (root / "club.jpg").string(), "-q"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("broken.png"), std::string::npos) << bad.err;
  EXPECT_TRUE(bad.out.empty()) << "one image is no group: " << bad.out;
}

}  // namespace
}  // namespace tagforge::e2e
