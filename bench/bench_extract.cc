// tagforge's frame extraction against `ffmpeg -i IN -vf fps=N OUT%04d.png`,
// same input, same cap, same output format, in the same run (rounds
// alternate which goes first). The clip is generated once with the ffmpeg
// CLI: 1280x720 at 30 fps, scenes of testsrc2, smptehdbars, mandelbrot and
// life joined end to end (three cuts), H.264. tagforge also detects the
// cuts and prunes near-duplicates; ffmpeg writes every capped frame.
// tagforge runs twice a round, with the frame quality gate (frame_quality.h:
// the sharpest of a window after each sampling time, blur and exposure
// judged, bars cropped) and without it, to give the gate's cost.
// Prints figures; asserts nothing.
//
//   bench_extract [--seconds-per-scene 8] [--fps 2] [--rounds 3] [--input FILE] [--prune 1]
// --prune 0 turns cut detection and similarity pruning off: both then write every capped frame.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "media/extract.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace tagforge;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

size_t count_files(const fs::path& dir) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) n += e.is_regular_file();
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  int per_scene = 8, rounds = 3;
  double fps = 2;
  bool prune = true;
  fs::path input;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--seconds-per-scene") per_scene = std::max(1, std::atoi(argv[i + 1]));
    else if (a == "--fps") fps = std::atof(argv[i + 1]);
    else if (a == "--rounds") rounds = std::max(1, std::atoi(argv[i + 1]));
    else if (a == "--input") input = argv[i + 1];
    else if (a == "--prune") prune = std::atoi(argv[i + 1]) != 0;
  }
  const fs::path work = fs::temp_directory_path() / "tagforge-bench-extract";
  fs::create_directories(work);
  if (input.empty()) {
    input = work / ("scenes_" + std::to_string(per_scene) + ".mp4");
    if (!fs::exists(input)) {
      const std::string s = std::to_string(per_scene);
      const std::string cmd =
          "ffmpeg -v error -y -f lavfi -i testsrc2=size=1280x720:rate=30:duration=" + s +
          " -f lavfi -i smptehdbars=size=1280x720:rate=30:duration=" + s +
          " -f lavfi -i mandelbrot=size=1280x720:rate=30 -f lavfi -i life=size=1280x720:rate=30:mold=10:ratio=0.5"
          " -filter_complex \"[2:v]trim=duration=" + s + "[m];[3:v]trim=duration=" + s +
          ",format=yuv420p[l];[0:v][1:v][m][l]concat=n=4:v=1[out]\" -map \"[out]\" -pix_fmt yuv420p -c:v libx264 '" +
          input.string() + "'";
      const auto t0 = Clock::now();
      if (std::system(cmd.c_str()) != 0) return std::fprintf(stderr, "ffmpeg failed: %s\n", cmd.c_str()), 1;
      std::printf("made %s in %.1f s\n", input.c_str(), seconds_since(t0));
    }
  }
  std::printf("input: %s, cap %.2f frames/s, PNG out, tagforge pruning %s\n", input.c_str(), fps, prune ? "on" : "off");
  std::vector<double> ours, ungated, theirs;
  size_t our_frames = 0, ungated_frames = 0, their_frames = 0, slices = 0;
  for (int r = 0; r < rounds; ++r) {
    for (int step = 0; step < 3; ++step) {
      const int side = (step + r) % 3;  // 0: tagforge, 1: tagforge without the gate, 2: ffmpeg
      const fs::path out = work / (side == 2 ? "ffmpeg" : "ours");
      fs::remove_all(out);
      fs::create_directories(out);
      const auto t0 = Clock::now();
      if (side < 2) {
        ExtractOptions opt;
        opt.vfps = opt.gfps = fps;
        opt.selection.shift_sensitivity = prune ? 0.5f : 0.0f;
        opt.selection.similarity_threshold = prune ? 0.92f : 0.0f;
        opt.gate.enabled = side == 0;
        auto rep = extract_frames(input, out, opt);
        if (!rep) return std::fprintf(stderr, "%s\n", rep.error().to_string().c_str()), 1;
        (side == 0 ? ours : ungated).push_back(seconds_since(t0));
        (side == 0 ? our_frames : ungated_frames) = rep->written.size();
        if (side == 0) slices = rep->slices.size();
      } else {
        char cap[32];
        std::snprintf(cap, sizeof cap, "%g", fps);
        const std::string cmd = "ffmpeg -v error -y -i '" + input.string() + "' -vf fps=" + cap + " '" +
                                (out / "%04d.png").string() + "'";
        if (std::system(cmd.c_str()) != 0) return std::fprintf(stderr, "ffmpeg failed\n"), 1;
        theirs.push_back(seconds_since(t0));
        their_frames = count_files(out);
      }
    }
    std::printf("round %d: tagforge %.2f s (%zu frames, %zu slices), without the gate %.2f s (%zu frames), "
                "ffmpeg %.2f s (%zu frames), ratio %.2f\n",
                r + 1, ours.back(), our_frames, slices, ungated.back(), ungated_frames, theirs.back(), their_frames,
                ours.back() / theirs.back());
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double mo = median(ours), mu = median(ungated), mt = median(theirs);
  std::printf("median: tagforge %.2f s, ffmpeg %.2f s; tagforge / ffmpeg time %.2f (below 1: faster)\n", mo, mt, mo / mt);
  std::printf("the frame gate: %.2f s with it, %.2f s without, %+.1f %%\n", mo, mu, 100 * (mo / mu - 1));
}
