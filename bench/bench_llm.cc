// LLM captions in `tagforge run`: the request rate to one endpoint against its
// ceiling. The scripted test server answers every request after a fixed
// latency with a good caption (the draft it was sent), so each item takes two
// requests (the caption, and stage 3's rewrite); with `max_concurrent` requests in flight the ceiling is
// max_concurrent / latency requests a second. The rate is measured at the
// server, from the first request's arrival to the last answer. The run is a
// child process (the binary the tests use). Prints figures; asserts nothing.
//
//   bench_llm [--images 200] [--latency 0.2] [--limit 4]
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "fake_llm_server.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  size_t images = 200;
  double latency = 0.2;
  int limit = 4;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--images") images = std::strtoul(argv[i + 1], nullptr, 10);
    else if (a == "--latency") latency = std::atof(argv[i + 1]);
    else if (a == "--limit") limit = std::atoi(argv[i + 1]);
  }
  const fs::path root = fs::temp_directory_path() / "tagforge-bench-llm";
  fs::remove_all(root);
  const fs::path in = root / "in";
  fs::create_directories(in);
  std::mt19937 rng(3);
  for (size_t i = 0; i < images; ++i) {
    cv::Mat im(256, 256, CV_8UC3, cv::Scalar(rng() % 256, rng() % 256, rng() % 256));
    cv::imwrite((in / ("img" + std::to_string(i) + ".png")).string(), im);
    std::FILE* f = std::fopen((in / ("img" + std::to_string(i) + ".txt")).c_str(), "w");
    std::fputs("1girl, solo, smile, long_hair, red_dress", f);
    std::fclose(f);
  }

  std::mutex mu;
  Clock::time_point first{}, last{};
  size_t answered = 0;
  tagforge::testing::FakeLlmServer server([&](const tagforge::testing::FakeRequest& r, int) {
    {
      std::lock_guard lock(mu);
      if (first == Clock::time_point{}) first = Clock::now();
    }
    // Stage one sends the image and a draft; the rewrite (stage 3) sends text only.
    const auto& content = r.body["messages"].back()["content"];
    const std::string prompt = content.is_array() ? content[0]["text"].get<std::string>() : content.get<std::string>();
    const bool rewrite = !content.is_array();
    const std::string mark = rewrite ? "Caption: " : "(accurate but stiff): ";
    const size_t at = prompt.find(mark);
    const std::string draft = at == std::string::npos ? "" : prompt.substr(at + mark.size(), prompt.find('\n', at) - at - mark.size());
    auto reply = tagforge::testing::FakeReply::answer(nlohmann::json{{"caption", draft}}.dump());
    reply.delay_s = latency;
    std::lock_guard lock(mu);
    last = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(latency));
    ++answered;
    return reply;
  });
  const fs::path config = root / "tagforge.toml";
  {
    std::FILE* f = std::fopen(config.c_str(), "w");
    // No model stage: the figure is the LLM stage's alone, whatever models this machine has installed.
    std::fprintf(f, "[models]\ntagger = \"none\"\ndetectors = [\"none\"]\nsegmenter = \"none\"\nnsfw = \"none\"\n\n");
    std::fprintf(f, "[caption.llm.local]\nbase_url = \"%s\"\nmodel = \"bench\"\nmax_concurrent = %d\n",
                 server.base_url().c_str(), limit);
    std::fclose(f);
  }
  const auto t0 = Clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string bin = TAGFORGE_BIN, out = (root / "out").string(), cfg = config.string(), input = in.string();
    execl(bin.c_str(), bin.c_str(), "run", input.c_str(), "--out", out.c_str(), "--config", cfg.c_str(), "-q",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  const double span = std::chrono::duration<double>(last - first).count();
  const double rate = answered / span, ceiling = limit / latency;
  std::printf("%zu images, two requests each (caption, rewrite), %.0f ms latency, max_concurrent %d%s\n", images,
              latency * 1000, limit,
              status == 0 ? "" : "  (exit status not 0)");
  std::printf("requests answered: %zu; most in flight at the server: %d\n", answered, server.max_in_flight());
  std::printf("request rate %.2f/s against a ceiling of %.2f/s: %.1f %% of it (run %.2f s wall)\n", rate, ceiling,
              100 * rate / ceiling, wall);
  fs::remove_all(root);
  return 0;
}
