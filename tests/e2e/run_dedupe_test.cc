// End-to-end: `tagforge run`'s [dedupe] on real images (copies_tree.h): a byte
// copy, a tagged byte copy and a half-size re-encode of one picture are one group;
// the tagged full-size one is kept and the others are filed into
// duplicates_1 with their sidecars and left out of the metadata files; the
// choice is in --json and report.html; a settled re-run keeps it; turning
// near or all copies off puts them back where a run without dedupe files them.
#include <gtest/gtest.h>
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

const fs::path kMedia = TAGFORGE_TEST_MEDIA_DIR;

CliResult run_without_models(const fs::path& in, const fs::path& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"run",      in.string(), "--out", out.string(), "--json", "--tagger", "none",
                                "--detectors", "none",  "--segmenter", "none", "--nsfw", "none"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_cli(args);
}

// The files of OUT whose path starts with `prefix`.
std::vector<std::string> under(const Snapshot& out, const std::string& prefix) {
  std::vector<std::string> paths;
  for (const auto& [path, bytes] : out) {
    if (path.rfind(prefix, 0) == 0) paths.push_back(path);
  }
  return paths;
}

TEST(RunDedupe, CopiesAreSetAsideTheBestKeptAndTheMetadataLeavesThemOut) {
  const fs::path in = fresh_dir("run-dedupe-in"), out = fresh_dir("run-dedupe-out");
  const std::string club = read_file(kMedia / "bg club.jpg");
  write_copies(in);
  write_file(in / "club small.txt", "indoors");
  write_file(in / "meadow.txt", "outdoors, grass");

  CliResult r = run_without_models(in, out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary = nlohmann::ordered_json::parse(r.out);
  ASSERT_EQ(summary["duplicates"].size(), 1u) << summary["duplicates"].dump();
  const auto& group = summary["duplicates"][0];
  EXPECT_EQ(group["keep"], "c/club tagged.jpg") << "full size, and the only one of those with words to score";
  std::map<std::string, nlohmann::ordered_json> aside;
  for (const auto& d : group["set_aside"]) aside[d["path"].get<std::string>()] = d;
  ASSERT_EQ(aside.size(), 3u) << group.dump();
  EXPECT_EQ(aside["club.jpg"]["exact"], true);
  EXPECT_EQ(aside["b/club copy.jpg"]["exact"], true);
  EXPECT_EQ(aside["club small.jpg"]["exact"], false);
  EXPECT_LE(aside["club small.jpg"]["dct_distance"].get<int>(), 2);
  EXPECT_EQ(summary["stages"]["phash"]["computed"], 6);

  const Snapshot files = snapshot(out);
  EXPECT_EQ(under(files, "duplicates_1/"),
            (std::vector<std::string>{"duplicates_1/club copy.jpg", "duplicates_1/club small.caption",
                                      "duplicates_1/club small.jpg", "duplicates_1/club small.txt",
                                      "duplicates_1/club.jpg"}));
  EXPECT_EQ(files.at("duplicates_1/club.jpg"), club);
  EXPECT_EQ(files.count("images_1/club tagged.jpg"), 1u);
  EXPECT_EQ(files.count("images_1/meadow.jpg"), 1u);
  EXPECT_EQ(files.count("missing_tags_1/uni.jpg"), 1u);
  const std::string metadata = files.at("metadata.jsonl");
  EXPECT_NE(metadata.find("images_1/club tagged.jpg"), std::string::npos) << metadata;
  EXPECT_EQ(metadata.find("club small"), std::string::npos) << "a copy set aside is no training data: " << metadata;
  EXPECT_EQ(files.at("meta_cap_dd.json").find("duplicates_1"), std::string::npos) << files.at("meta_cap_dd.json");
  const std::string report = files.at("report.html");
  EXPECT_NE(report.find("Copies set aside (3 in 1 groups"), std::string::npos);
  EXPECT_NE(report.find("c/club tagged.jpg"), std::string::npos);

  // Nothing changed: settled, and it still says who was set aside.
  CliResult again = run_without_models(in, out);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto settled = nlohmann::ordered_json::parse(again.out);
  EXPECT_EQ(settled["settled"], true);
  EXPECT_EQ(settled["duplicates"], summary["duplicates"]);
  EXPECT_EQ(snapshot(out), files);

  // Only the same bytes: the small re-encode is back among the images, and in the metadata.
  CliResult exact = run_without_models(in, out, {"--near-copies=false"});
  ASSERT_EQ(exact.exit_code, 0) << exact.err;
  const Snapshot exact_files = snapshot(out);
  EXPECT_EQ(under(exact_files, "duplicates_1/"),
            (std::vector<std::string>{"duplicates_1/club copy.jpg", "duplicates_1/club.jpg"}));
  EXPECT_EQ(exact_files.count("images_1/club small.jpg"), 1u);
  EXPECT_NE(exact_files.at("metadata.jsonl").find("club small.jpg"), std::string::npos);
  EXPECT_EQ(nlohmann::ordered_json::parse(exact.out)["stages"].count("phash"), 0u) << "no hashes wanted";

  // Off: every image where a run without dedupe files it.
  CliResult off = run_without_models(in, out, {"--near-copies=false", "--exact-copies=false"});
  ASSERT_EQ(off.exit_code, 0) << off.err;
  const Snapshot off_files = snapshot(out);
  EXPECT_TRUE(under(off_files, "duplicates_").empty());
  EXPECT_EQ(off_files.count("missing_tags_1/club.jpg") + off_files.count("missing_tags_1/club copy.jpg"), 2u);
  EXPECT_TRUE(nlohmann::ordered_json::parse(off.out)["duplicates"].empty());
}

// A visual novel's sprite in three expressions: at any hash's size the faces are a few pixels, so
// the pixels call them copies; tags that name different expressions keep each (the test media's
// sprites, with the user's tag files).
TEST(RunDedupe, ASpritesExpressionsAreKeptWhenTheirTagsDiffer) {
  const fs::path in = fresh_dir("run-dedupe-faces-in"), out = fresh_dir("run-dedupe-faces-out");
  const std::map<std::string, std::string> faces{{"normal", "1girl, solo, blue_dress, closed_mouth"},
                                                 {"smile", "1girl, solo, blue_dress, smile"},
                                                 {"surprised", "1girl, solo, blue_dress, open_mouth, surprised"}};
  for (const auto& [face, tags] : faces) {
    write_file(in / ("sylvie " + face + ".png"), read_file(kMedia / ("sylvie blue " + face + ".png")));
    write_file(in / ("sylvie " + face + ".txt"), tags);
  }
  CliResult r = run_without_models(in, out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto summary = nlohmann::ordered_json::parse(r.out);
  EXPECT_TRUE(summary["duplicates"].empty()) << summary["duplicates"].dump();
  EXPECT_EQ(under(snapshot(out), "images_1/sylvie").size(), 9u) << "three sprites, each with its .txt and .caption";

  // The same tags on all three (a scraper that wrote one list for the set): the pixels decide.
  for (const auto& [face, tags] : faces) write_file(in / ("sylvie " + face + ".txt"), "1girl, solo, blue_dress, smile");
  r = run_without_models(in, out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  summary = nlohmann::ordered_json::parse(r.out);
  ASSERT_EQ(summary["duplicates"].size(), 1u) << summary["duplicates"].dump();
  EXPECT_EQ(summary["duplicates"][0]["set_aside"].size(), 2u) << summary["duplicates"].dump();
  EXPECT_EQ(under(snapshot(out), "duplicates_1/").size(), 6u) << "two sprites, each with its .txt and .caption";
}

// A re-run checks only the pairs with a new image (dedupe_memo.h): after images come and go,
// its groups are the ones a run into an empty output finds.
TEST(RunDedupe, AGrownOrShrunkRunGroupsAsAFreshRunDoes) {
  const fs::path in = fresh_dir("run-dedupe-grown-in"), out = fresh_dir("run-dedupe-grown-out");
  write_copies(in);
  const std::string small = read_file(in / "club small.jpg");
  fs::remove(in / "club small.jpg");
  CliResult first = run_without_models(in, out);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto groups = [](const CliResult& r) { return nlohmann::ordered_json::parse(r.out)["duplicates"]; };
  ASSERT_EQ(groups(first).size(), 1u);
  ASSERT_EQ(groups(first)[0]["set_aside"].size(), 2u) << "the two byte copies";

  auto step = [&](const char* what) -> nlohmann::ordered_json {
    SCOPED_TRACE(what);
    CliResult again = run_without_models(in, out);
    CliResult fresh = run_without_models(in, fresh_dir("run-dedupe-grown-fresh"));
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(fresh.exit_code, 0) << fresh.err;
    if (again.exit_code != 0 || fresh.exit_code != 0) return nlohmann::ordered_json::array();
    EXPECT_EQ(groups(again), groups(fresh));
    return groups(again);
  };
  write_file(in / "club small.jpg", small);  // a near copy joins the group
  write_file(in / "x" / "lecturehall.jpg", read_file(kMedia / "bg lecturehall.jpg"));
  auto got = step("grown");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["set_aside"].size(), 3u);
  fs::remove(in / "c" / "club tagged.jpg");  // the keeper goes: the group is judged again
  fs::remove(in / "c" / "club tagged.txt");
  got = step("the keeper gone");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["set_aside"].size(), 2u);
  fs::remove(in / "club.jpg");
  fs::remove(in / "b" / "club copy.jpg");
  got = step("only one left");
  EXPECT_TRUE(got.empty()) << got.dump();
}

// A sharded run groups only its own images; `merge` groups them all again, as one run over the
// whole input does (the shards' own groups are not carried over).
TEST(RunDedupe, MergedShardsGroupAsOneRunDoes) {
  const fs::path in = fresh_dir("run-dedupe-shards-in");
  write_copies(in);
  for (const std::string name : {"meadow", "uni"}) {  // more near copies: some pair is split by the shards
    auto d = decode_image(in / (name + ".jpg"));
    ASSERT_TRUE(d.ok());
    auto small = encode_image(resize_bicubic_like_pil(d->image, d->image.width / 2, d->image.height / 2), "jpg", 60,
                              name + " small.jpg");
    ASSERT_TRUE(small.ok());
    write_file(in / "s" / (name + " small.jpg"), *small);
  }
  auto set_aside = [](const CliResult& r) {
    size_t n = 0;
    const auto summary = nlohmann::ordered_json::parse(r.out);  // named: a range-for over a temporary's member dangles
    for (const auto& g : summary["duplicates"]) n += g["set_aside"].size();
    return n;
  };
  size_t in_shards = 0;
  std::vector<std::string> args{"merge"};
  for (int shard = 0; shard < 2; ++shard) {
    const fs::path out = fresh_dir("run-dedupe-shard-" + std::to_string(shard));
    CliResult r = run_without_models(in, out, {"--shard", std::to_string(shard) + "/2"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    in_shards += set_aside(r);
    args.push_back(out.string());
  }
  const fs::path whole = fresh_dir("run-dedupe-shards-whole");
  CliResult one = run_without_models(in, whole);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(set_aside(one), 5u) << "club's three copies, meadow's and uni's small ones";
  EXPECT_LT(in_shards, set_aside(one)) << "some copy went to another shard than its original";

  const fs::path merged = fresh_dir("run-dedupe-shards-merged");
  args.insert(args.end(), {"--out", merged.string(), "-q"});
  CliResult m = run_cli(args);
  ASSERT_EQ(m.exit_code, 0) << m.err;
  Snapshot got = snapshot(merged), want = snapshot(whole);
  got.erase("report.html");  // it holds timings
  want.erase("report.html");
  EXPECT_EQ(under(got, "duplicates_1/"), under(want, "duplicates_1/"));
  EXPECT_EQ(under(got, "duplicates_1/").size(), 5u) << "the five copies (untagged: no sidecars)";
  EXPECT_TRUE(got == want);
}

}  // namespace
}  // namespace tagforge::e2e
