// End-to-end: `tagforge extract` on clips with known content
// (tests/reference/make_clips.py), and `sort` filing its frames.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "media_fixtures.h"
#include "run_cli.h"
#include "test_clips.h"
#include "test_models.h"

namespace tagforge::e2e {
namespace {

namespace fs = std::filesystem;
using tagforge::testing::read_file;
using tagforge::testing::write_file;

// Fresh clips per test: the tests write beside them.
fs::path clips(const std::string& name) {
  auto dir = fresh_dir(name);
  tagforge::testing::make_test_clips(dir);
  for (const char* extra : {"halves.png", "rotated_shown.png", "upright.mp4", "huge.gif", "big.gif"}) {
    fs::remove(dir / extra);
  }
  return dir;
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ExtractCli, CutsFpsSimilarityAndSidecars) {
  const fs::path src = clips("extract-src");
  write_file(src / "delays.txt", "1girl, dancing");
  const fs::path out = src.parent_path() / "extract-out";
  fs::remove_all(out);
  CliResult r = run_cli({"extract", (src / "cuts.mp4").string(), (src / "delays.gif").string(),
                         (src / "static.mp4").string(), "--out", out.string(), "--json", "--minimum-frames", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::vector<nlohmann::json> reports;
  while (std::getline(lines, line)) reports.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(reports.size(), 3u);

  // cuts.mp4: three scenes of one second; at 2 fps each slice has two candidates, one
  // pruned as similar, then given back to reach the minimum of 2.
  const auto& cuts = reports[0];
  EXPECT_EQ(cuts["kind"], "video");
  ASSERT_EQ(cuts["slices"].size(), 3u);
  EXPECT_EQ(cuts["slices"][1]["kept"][0], 10);
  EXPECT_EQ(cuts["slices"][2]["kept"][0], 20);
  EXPECT_EQ(cuts["slices"][1]["started_by"].get<std::string>().rfind("cut", 0), 0u);
  for (const auto& slice : cuts["slices"]) EXPECT_EQ(slice["kept"].size(), 2u);
  // delays.gif: an animation (gfps 10): its three distinct frames, each with the tags.
  EXPECT_EQ(reports[1]["kind"], "animation");
  EXPECT_EQ(reports[1]["written"].size(), 3u);
  EXPECT_EQ(read_file(out / "delays_s0_f1.txt"), "1girl, dancing");
  // static.mp4: nothing moves, the minimum is kept.
  EXPECT_EQ(reports[2]["written"].size(), 2u);

  const auto files = names_in(out);
  EXPECT_NE(std::find(files.begin(), files.end(), "cuts_s1_f10.png"), files.end());
  EXPECT_TRUE(fs::exists(out / ".tagforge" / "extract" / "cuts.mp4.json"));
}

TEST(ExtractCli, CapsResolutionAndFormat) {
  const fs::path src = clips("extract-caps");
  const fs::path out = src.parent_path() / "extract-caps-out";
  fs::remove_all(out);
  CliResult r = run_cli({"extract", (src / "cfr.mp4").string(), "--out", out.string(), "--vfps", "10",
                         "--similarity-threshold", "0", "--shift-detection-sensitivity", "0",
                         "--maximum-resolution", "80", "--format", "jpg", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto files = names_in(out);
  ASSERT_EQ(files.size(), 20u);  // every frame of a 10 fps clip at a 10 fps cap
  EXPECT_EQ(files.front(), "cfr_s0_f0.jpg");
  auto info = run_cli({"scan", out.string(), "--json"});
  EXPECT_EQ(nlohmann::json::parse(info.out)["images"], 20);
  // --vfps 4 on 10 fps: frames 0, 3, 6, … (at least 0.25 s apart).
  fs::remove_all(out);
  ASSERT_EQ(run_cli({"extract", (src / "cfr.mp4").string(), "--out", out.string(), "--vfps", "4",
                     "--similarity-threshold", "0", "-q"}).exit_code, 0);
  EXPECT_EQ(names_in(out).size(), 7u);  // 0, 3, 6, 9, 12, 15, 18
}

TEST(ExtractCli, BadSourcesAreNamedAndFramesSortWithTheirSource) {
  const fs::path src = clips("extract-sort");
  write_file(src / "broken.mp4", std::string(3000, 'x'));
  CliResult r = run_cli({"extract", (src / "audio.m4a").string(), (src / "broken.mp4").string(),
                         (src / "delays.gif").string(), "--out", src.string(), "-q"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("audio.m4a: no video stream"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("broken.mp4"), std::string::npos) << r.err;
  ASSERT_TRUE(fs::exists(src / "delays_s0_f0.png"));
  CliResult sort = run_cli({"sort", src.string()});
  ASSERT_EQ(sort.exit_code == 0 || sort.exit_code == 1, true) << sort.err;
  EXPECT_TRUE(fs::exists(src / "processed_gifs_1" / "delays_s0_f0.png")) << sort.out;
  EXPECT_TRUE(fs::exists(src / "gifs_1" / "delays.gif"));
}

TEST(ExtractCli, ADetectorScreensAndCropsFramesFromTheConfig) {
  const fs::path src = clips("extract-models");
  const fs::path out = src.parent_path() / "extract-models-out";
  fs::remove_all(out);
  const fs::path config = src / "tagforge.toml";
  const std::string detector = (tagforge::testing::test_models_dir() / "bright_face").string();
  write_file(config, "[models]\ndetectors = [\"" + detector + "\"]\n\n[extract]\nrequire_segments = [\"face\"]\n"
                     "crop_position = \"faces\"\nvfps = 10\nformat = \"jpg\"\n"
                     "frame_gate = false\n");  // the clip is flat black, then flat white: the gate would prune both
  // --vfps on the command line beats the file's 10.
  CliResult r = run_cli({"extract", (src / "blink.mp4").string(), "--out", out.string(), "--config", config.string(),
                         "--vfps", "2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["slices"][0]["pruned"][0]["why"], "missing: face");
  EXPECT_EQ(report["slices"][1]["kept"], nlohmann::json::array({10}));
  EXPECT_EQ(report["slices"][1]["pruned"][0]["why"], "over the fps cap");  // 2 fps, not 10
  EXPECT_EQ(names_in(out), (std::vector<std::string>{"blink_s1_f10.jpg"}));

  // What is asked without the model that gives it, and a config mistake: errors, nothing written.
  fs::remove_all(out);
  CliResult no_model = run_cli({"extract", (src / "blink.mp4").string(), "--out", out.string(),
                                "--require-segments", "face"});
  EXPECT_EQ(no_model.exit_code, 2);
  EXPECT_NE(no_model.err.find("require_segments lists \"face\", but no configured detector finds \"face\""),
            std::string::npos) << no_model.err;
  write_file(config, "[extract]\nvfps = 2\nsimilarity_treshold = 0.5\n");
  CliResult typo = run_cli({"extract", (src / "blink.mp4").string(), "--out", out.string(), "--config",
                            config.string()});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("tagforge.toml: line 3: unknown key similarity_treshold in [extract]; did you mean "
                          "similarity_threshold?"),
            std::string::npos) << typo.err;
  CliResult range = run_cli({"extract", (src / "blink.mp4").string(), "--out", out.string(),
                             "--similarity-threshold", "3"});
  EXPECT_EQ(range.exit_code, 2);
  EXPECT_NE(range.err.find("--similarity-threshold: similarity_threshold must be within [0, 1], not 3"),
            std::string::npos) << range.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(ExtractCli, AnAnimatedPngIsAnAnimation) {
  const fs::path src = clips("extract-apng");
  const fs::path out = src.parent_path() / "extract-apng-out";
  fs::remove_all(out);
  CliResult r = run_cli({"extract", (src / "delays.apng").string(), "--out", out.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["kind"], "animation");
  EXPECT_EQ(report["codec"], "apng");
  EXPECT_EQ(report["written"].size(), 3u);
}

TEST(ExtractCli, AGifOfFiveThousandFramesInBoundedMemory) {
  const fs::path src = clips("extract-long");
  const fs::path out = src.parent_path() / "extract-long-out";
  fs::remove_all(out);
  // Its frames are flat black or white, which the frame gate would prune: off.
  CliResult r = run_cli({"extract", (src / "long.gif").string(), "--out", out.string(), "--json", "--frame-gate=false"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["frames_decoded"], 5000);
  // 100 s at the 10 fps GIF cap: 1000 candidates; black and white alternate every second, and the
  // frames between differ by two pixels: one kept each second.
  EXPECT_EQ(report["written"].size(), 100u);
  struct rusage usage {};
  getrusage(RUSAGE_CHILDREN, &usage);  // the largest child so far: tagforge, python3 or ffmpeg
  EXPECT_LT(usage.ru_maxrss, 300 * 1024) << "KiB";
  std::printf("extract of 5,000 GIF frames: children's peak RSS at most %ld KiB\n", usage.ru_maxrss);
}

}  // namespace
}  // namespace tagforge::e2e
