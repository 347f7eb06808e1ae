// End-to-end: the frame quality gate (issue 24) on a clip made at test time
// from real pixels: a slow pan over a real background (`bg meadow.jpg`),
// 640x360 at 25 fps, H.264, in stretches with known faults:
//   [0, 2) s  a shaky camera: every even frame blurred, every odd one sharp
//   [2, 3)    blurred
//   [3, 4)    sharp
//   [4, 5)    black
//   [5, 6)    sharp
//   [6, 8)    letterboxed: 48-px black bars top and bottom
// At the default 2 frames a second, no kept frame may come from the blurred
// or black stretches or be a blurred frame of the shaky one; every sharp
// stretch yields frames; the letterboxed ones are written without their bars.
// Through `tagforge run`, the same holds of the frames filed in the output,
// and report.html counts what the gate pruned.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <map>

#include "media/decode.h"
#include "media_fixtures.h"
#include "run_cli.h"

namespace tagforge::e2e {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kMedia = TAGFORGE_TEST_MEDIA_DIR;
constexpr double kFps = 25;

fs::path make_faulty_clip(const fs::path& dir) {
  const fs::path clip = dir / "pan.mp4";
  const std::string filters =
      "crop=640:360:'t*40':180,format=yuv420p,"  // limited range first: drawbox's black is then black
      "boxblur=5:enable='lt(t,2)*eq(mod(n,2),0)+gte(t,2)*lt(t,3)',"
      "drawbox=0:0:iw:ih:black:fill:enable='gte(t,4)*lt(t,5)',"
      "drawbox=0:0:iw:48:black:fill:enable='gte(t,6)',"
      "drawbox=0:ih-48:iw:48:black:fill:enable='gte(t,6)'";
  const std::string cmd = "ffmpeg -v error -y -loop 1 -framerate 25 -i '" + (kMedia / "bg meadow.jpg").string() +
                          "' -t 8 -vf \"" + filters + "\" -c:v libx264 -crf 16 '" + clip.string() + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return clip;
}

json extract(const fs::path& clip, const fs::path& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"extract", clip.string(), "--out", out.string(), "--json", "--similarity-threshold", "0"};
  args.insert(args.end(), extra.begin(), extra.end());
  CliResult r = run_cli(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(r.out);
}

std::vector<int64_t> kept_of(const json& report) {
  std::vector<int64_t> kept;
  for (const json& s : report["slices"]) {
    for (const json& k : s["kept"]) kept.push_back(k.get<int64_t>());
  }
  return kept;
}

// The reasons given for the pruned frames whose time is in [from, to).
std::vector<std::string> why_pruned(const json& report, double from, double to) {
  std::vector<std::string> why;
  for (const json& s : report["slices"]) {
    for (const json& p : s["pruned"]) {
      const double t = p["time"].get<double>();
      if (t >= from - 1e-6 && t < to - 1e-6) why.push_back(p["why"].get<std::string>());
    }
  }
  return why;
}

bool any_starts(const std::vector<std::string>& texts, std::string_view word) {
  for (const std::string& t : texts) {
    if (t.find(word) != std::string::npos) return true;
  }
  return false;
}

TEST(ExtractGate, NoFrameFromABlurredOrBlackStretchAndBarsCropped) {
  const fs::path dir = fresh_dir("extract-gate");
  const fs::path clip = make_faulty_clip(dir);
  const fs::path out = dir / "frames";
  const json report = extract(clip, out);
  const std::vector<int64_t> kept = kept_of(report);
  ASSERT_FALSE(kept.empty()) << report.dump();

  std::map<int, int> per_stretch;  // stretch start (s) -> frames kept
  for (int64_t k : kept) {
    const double t = double(k) / kFps;
    EXPECT_FALSE(t >= 2 && t < 3) << "frame " << k << " from the blurred stretch";
    EXPECT_FALSE(t >= 4 && t < 5) << "frame " << k << " from the black stretch";
    if (t < 2) EXPECT_EQ(k % 2, 1) << "frame " << k << " is a blurred frame of the shaky stretch";
    ++per_stretch[t < 2 ? 0 : t < 3 ? 2 : t < 4 ? 3 : t < 5 ? 4 : t < 6 ? 5 : 6];
  }
  for (int stretch : {0, 3, 5, 6}) EXPECT_GE(per_stretch[stretch], 1) << "no frame from the sharp stretch at " << stretch;
  EXPECT_GE(per_stretch[0], 3);  // a frame near each of 0, 0.5, 1 and 1.5 s
  EXPECT_GE(per_stretch[6], 3);

  // Pruned with the reason.
  EXPECT_TRUE(any_starts(why_pruned(report, 2, 3), "blurry")) << report.dump();
  EXPECT_TRUE(any_starts(why_pruned(report, 4, 5), "too dark")) << report.dump();
  EXPECT_TRUE(any_starts(why_pruned(report, 0, 2), "not clearly sharper than frame")) << report.dump();

  // The letterboxed frames are written without their bars; the others whole.
  ASSERT_EQ(report["written"].size(), kept.size());
  for (const json& w : report["written"]) {
    auto decoded = decode_image(w.get<std::string>());
    ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
    const std::string name = fs::path(w.get<std::string>()).stem().string();
    const int64_t index = std::stoll(name.substr(name.rfind("_f") + 2));
    EXPECT_EQ(decoded->image.width, 640) << name;
    if (double(index) / kFps >= 6) {
      EXPECT_NEAR(decoded->image.height, 360 - 2 * 48, 2) << name;
    } else {
      EXPECT_EQ(decoded->image.height, 360) << name;
    }
  }
  bool saw_bars = false;
  for (const json& q : report["quality"]) {
    if (double(q["index"].get<int64_t>()) / kFps < 6) continue;
    saw_bars = true;
    EXPECT_NEAR(q["bars"][0].get<int>(), 48, 2) << q.dump();
    EXPECT_NEAR(q["bars"][1].get<int>(), 48, 2) << q.dump();
  }
  EXPECT_TRUE(saw_bars) << report.dump();
}

TEST(ExtractGate, OffTheFramesOnTheSamplingTimesAreKeptAsTheyCome) {
  const fs::path dir = fresh_dir("extract-gate-off");
  const fs::path clip = make_faulty_clip(dir);
  const json report = extract(clip, dir / "frames", {"--frame-gate=false"});
  const std::vector<int64_t> kept = kept_of(report);
  // Frame 0 (blurred), and frames from the blurred and black stretches, all kept; bars left on.
  ASSERT_FALSE(kept.empty());
  EXPECT_EQ(kept.front(), 0);
  bool blurred = false, black = false;
  for (int64_t k : kept) {
    blurred |= k >= 2 * kFps && k < 3 * kFps;
    black |= k >= 4 * kFps && k < 5 * kFps;
  }
  EXPECT_TRUE(blurred);
  EXPECT_TRUE(black);
  EXPECT_TRUE(report["quality"].empty());
  auto last = decode_image(report["written"].back().get<std::string>());
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->image.height, 360);
}

TEST(ExtractGate, ARunKeepsNoFrameFromTheBadStretchesAndItsReportCountsThem) {
  const fs::path dir = fresh_dir("run-gate");
  const fs::path in = dir / "in", out = dir / "out";
  fs::create_directories(in);
  fs::rename(make_faulty_clip(dir), in / "pan.mp4");
  CliResult r = run_cli({"run", in.string(), "--out", out.string(), "--json", "--tagger", "none", "--detectors", "none",
                         "--segmenter", "none", "--nsfw", "none", "--similarity-threshold", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  size_t frames = 0;  // the frames filed into the output's bucket
  ASSERT_TRUE(fs::is_directory(out / "processed_videos_1"));
  for (const auto& e : fs::directory_iterator(out / "processed_videos_1")) {
    const std::string name = e.path().filename().string();
    if (name.rfind("pan_s", 0) != 0 || e.path().extension() != ".png") continue;
    ++frames;
    const double t = double(std::stoll(name.substr(name.rfind("_f") + 2))) / kFps;
    EXPECT_FALSE((t >= 2 && t < 3) || (t >= 4 && t < 5)) << e.path();
  }
  EXPECT_GE(frames, 8u);
  const std::string report = tagforge::testing::read_file(out / "report.html");
  ASSERT_NE(report.find("<h2>Frames from clips (1 clip)"), std::string::npos) << report;
  const size_t row = report.find("<td class=path>pan.mp4</td>");
  ASSERT_NE(row, std::string::npos);
  // The row's numbers: decoded, kept, blurry, too dark, too bright.
  const std::string cells = report.substr(row, report.find("</tr>", row) - row);
  std::vector<long> n;
  const std::string cell = "<td class=num>";
  for (size_t at = cells.find(cell); at != std::string::npos; at = cells.find(cell, at + 1)) {
    n.push_back(std::stol(cells.substr(at + cell.size())));
  }
  ASSERT_EQ(n.size(), 5u) << cells;
  EXPECT_EQ(n[0], 200);
  EXPECT_EQ(n[1], long(frames));
  EXPECT_GE(n[2], 1) << "the blurred stretch";
  EXPECT_GE(n[3], 1) << "the black stretch";
  EXPECT_EQ(n[4], 0);
}

}  // namespace
}  // namespace tagforge::e2e
