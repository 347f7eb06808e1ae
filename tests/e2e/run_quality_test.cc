// End-to-end: the quality gate (issue 24) on a real picture and copies of it
// with one fault each (picture_faults.h): a 4x downscale-then-upscale, a
// blurred copy, a near-black copy and a letterboxed one. `tagforge scan
// --quality` tells each apart; `tagforge run` files the faulty stills into
// low_quality_1 with their sidecars, leaves them out of the metadata files and
// says why in --json, the manifest and report.html; [quality] action = "flag"
// sends them to review_1 instead, and "none" only measures them. With [dedupe]
// on, the sharp original is the copy kept, whatever the others' size or score.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "media/decode.h"
#include "media/encode.h"
#include "media/resample.h"
#include "media_fixtures.h"
#include "picture_faults.h"
#include "pipeline/manifest.h"
#include "run_cli.h"

namespace tagforge::e2e {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;
using tagforge::testing::read_file;
using tagforge::testing::write_file;

const fs::path kMedia = TAGFORGE_TEST_MEDIA_DIR;

void write_png(const fs::path& file, const Image8& im) {
  auto png = encode_image(im, "png", 90, file);
  ASSERT_TRUE(png.ok()) << png.error().to_string();
  write_file(file, *png);
}

// good.jpg (the real picture), and upscaled.png, blurred.png, dark.png, letterboxed.png: each with a tag file.
void write_pictures(const fs::path& in) {
  write_file(in / "good.jpg", read_file(kMedia / "bg meadow.jpg"));
  auto decoded = decode_image(kMedia / "bg meadow.jpg");
  ASSERT_TRUE(decoded.ok());
  const Image8& im = decoded->image;
  const Image8 quarter = resize_bicubic_like_pil(im, im.width / 4, im.height / 4);
  write_png(in / "upscaled.png", resize_bicubic_like_pil(quarter, im.width, im.height));
  write_png(in / "blurred.png", tagforge::testing::box_blurred(im, 5));
  write_png(in / "dark.png", tagforge::testing::darkened(im, 12));
  write_png(in / "letterboxed.png", tagforge::testing::on_black(im, im.width, im.height * 2));
  for (const char* name : {"good", "upscaled", "blurred", "dark", "letterboxed"}) {
    write_file(in / (std::string(name) + ".txt"), "no_humans, scenery, outdoors, grass\n");
  }
}

bool has_fault(const json& faults, std::string_view word) {
  for (const json& f : faults) {
    if (f.get<std::string>().rfind(word, 0) == 0) return true;
  }
  return false;
}

// The faulty copies are near copies of the original too: [dedupe] would file them as such.
CliResult run_without_models(const fs::path& in, const fs::path& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"run",         in.string(), "--out",       out.string(), "--json", "--tagger", "none",
                                "--detectors", "none",      "--segmenter", "none",       "--nsfw", "none",
                                "--near-copies=false"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_cli(args);
}

TEST(QualityCli, ScanTellsEachFaultApartAndPassesTheRealPicture) {
  const fs::path in = fresh_dir("quality-scan-in");
  write_pictures(in);
  CliResult r = run_cli({"scan", in.string(), "--quality", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  ASSERT_EQ(j["quality"]["measured"], 5);
  EXPECT_EQ(j["quality"]["below_gate"], 4);
  std::map<std::string, json> by_path;
  for (const json& s : j["quality"]["stills"]) by_path[s["path"].get<std::string>()] = s;

  const json& good = by_path["good.jpg"];
  EXPECT_TRUE(good["faults"].empty()) << good.dump();
  EXPECT_EQ(good["scale"], 1);
  EXPECT_EQ(good["bars"], json::array({0, 0, 0, 0}));

  const json& up = by_path["upscaled.png"];
  EXPECT_TRUE(has_fault(up["faults"], "upscaled")) << up.dump();
  EXPECT_FALSE(has_fault(up["faults"], "blurry")) << up.dump();
  EXPECT_GE(up["scale"].get<int>(), 4);

  const json& blurred = by_path["blurred.png"];
  EXPECT_TRUE(has_fault(blurred["faults"], "blurry")) << blurred.dump();
  EXPECT_LT(blurred["sharpness"].get<double>(), up["sharpness"].get<double>());

  const json& dark = by_path["dark.png"];
  EXPECT_TRUE(has_fault(dark["faults"], "too dark")) << dark.dump();
  EXPECT_FALSE(has_fault(dark["faults"], "letterboxed")) << dark.dump();

  const json& boxed = by_path["letterboxed.png"];
  EXPECT_TRUE(has_fault(boxed["faults"], "letterboxed")) << boxed.dump();
  EXPECT_EQ(boxed["bars"], json::array({360, 360, 0, 0}));
  EXPECT_FALSE(has_fault(boxed["faults"], "blurry")) << "the picture inside the bars is measured: " << boxed.dump();

  // The text form names each with why; a flag moves the limit.
  CliResult text = run_cli({"scan", in.string(), "--quality", "-q"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("5 stills measured, 4 below the gate"), std::string::npos) << text.out;
  EXPECT_NE(text.err.find("upscaled.png: upscaled (about 4x"), std::string::npos) << text.err;
  CliResult lenient = run_cli({"scan", in.string(), "--quality", "--json", "--max-upscale", "0", "--max-bars", "0"});
  ASSERT_EQ(lenient.exit_code, 0) << lenient.err;
  EXPECT_EQ(json::parse(lenient.out)["quality"]["below_gate"], 2);
}

TEST(QualityCli, RunFilesFaultyStillsIntoLowQualityAndSaysWhy) {
  const fs::path in = fresh_dir("quality-run-in"), out = fresh_dir("quality-run-out");
  write_pictures(in);
  CliResult r = run_without_models(in, out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json summary = json::parse(r.out);
  EXPECT_EQ(summary["low_quality"], 4);
  EXPECT_EQ(summary["stages"]["quality"]["computed"], 5);

  const auto files = snapshot(out);
  EXPECT_EQ(files.count("images_1/good.jpg"), 1u);
  for (const char* name : {"upscaled", "blurred", "dark", "letterboxed"}) {
    EXPECT_EQ(files.count("low_quality_1/" + std::string(name) + ".png"), 1u) << name;
    EXPECT_EQ(files.count("low_quality_1/" + std::string(name) + ".txt"), 1u) << name;
  }
  EXPECT_NE(files.at("metadata.jsonl").find("images_1/good.jpg"), std::string::npos);
  EXPECT_EQ(files.at("metadata.jsonl").find("low_quality_1"), std::string::npos) << "no training data";
  EXPECT_EQ(files.at("meta_cap_dd.json").find("low_quality_1"), std::string::npos);
  const std::string report = files.at("report.html");
  EXPECT_NE(report.find("Below the quality gate (4; into low_quality_N)"), std::string::npos);
  EXPECT_NE(report.find("blurry (sharpness"), std::string::npos);

  // The manifest keeps each measure.
  auto m = Manifest::open(out / ".tagforge" / "manifest.sqlite");
  ASSERT_TRUE(m.ok());
  auto row = (*m)->result("dark.png", "quality");
  ASSERT_TRUE(row.ok() && row->has_value());
  const json dark = json::parse((*row)->data);
  EXPECT_LT(dark["luma_mean"].get<double>(), 16);
  EXPECT_EQ(dark["set_aside"], true);

  // Settled: nothing changed, the same count, the same files.
  CliResult again = run_without_models(in, out);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(json::parse(again.out)["settled"], true);
  EXPECT_EQ(json::parse(again.out)["low_quality"], 4);
  auto after = snapshot(out), before = files;
  after.erase("report.html");
  before.erase("report.html");
  EXPECT_EQ(after, before);

  // Flagged instead: the review tag, and review_1 (as any flagged item); the gate's figures stay.
  CliResult flag = run_without_models(in, out, {"--quality-action", "flag"});
  ASSERT_EQ(flag.exit_code, 0) << flag.err;
  EXPECT_EQ(json::parse(flag.out)["low_quality"], 4);
  const auto flagged = snapshot(out);
  EXPECT_EQ(flagged.count("review_1/blurred.png"), 1u);
  EXPECT_NE(flagged.at("review_1/blurred.txt").find("needs_review"), std::string::npos);
  EXPECT_EQ(flagged.count("images_1/good.jpg"), 1u);
  EXPECT_EQ(flagged.count("low_quality_1/blurred.png"), 0u);

  // Only measured: every still where it would be without the gate.
  CliResult none = run_without_models(in, out, {"--quality-action", "none"});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  const auto kept = snapshot(out);
  for (const char* name : {"good.jpg", "upscaled.png", "blurred.png", "dark.png", "letterboxed.png"}) {
    EXPECT_EQ(kept.count("images_1/" + std::string(name)), 1u) << name;
  }
  EXPECT_EQ(kept.at("images_1/blurred.txt").find("needs_review"), std::string::npos);
}

TEST(QualityCli, OfNearCopiesTheOneThatPassesTheGateIsKept) {
  const fs::path in = fresh_dir("quality-dedupe-in"), out = fresh_dir("quality-dedupe-out");
  write_pictures(in);
  // The blurred copy, the larger file, is the only one with a caption of its own to score.
  write_file(in / "blurred.caption", "A green meadow under a blue sky with white clouds.");
  CliResult r = run_without_models(in, out, {"--near-copies=true"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json summary = json::parse(r.out);
  ASSERT_EQ(summary["duplicates"].size(), 1u) << summary["duplicates"].dump();
  EXPECT_EQ(summary["duplicates"][0]["keep"], "good.jpg") << summary["duplicates"].dump();
  const auto files = snapshot(out);
  EXPECT_EQ(files.count("images_1/good.jpg"), 1u);
  EXPECT_EQ(files.count("duplicates_1/blurred.png"), 1u) << "a copy set aside is a duplicate first";
  EXPECT_EQ(files.count("duplicates_1/upscaled.png"), 1u);
  EXPECT_EQ(files.count("low_quality_1/dark.png"), 1u);
}

}  // namespace
}  // namespace tagforge::e2e
