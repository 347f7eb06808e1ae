// The review server on a large output: how long `tagforge serve` takes from
// its start to answering the page and the gallery's first request, how long
// filters and sorts over every item take, thumbnails cold and cached, and the
// server's peak memory. The output is made directly (work folder of hard links
// to 64 distinct images; manifest rows for tags, caption, score, NSFW), so a
// million items take seconds to set up. Prints figures; asserts nothing.
//
//   bench_serve [--items 100000] [--dir /tmp/tagforge-bench-serve] [--keep 1]
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>

#include "pipeline/manifest.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

namespace {

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

const char* kTags[] = {"1girl", "solo", "long_hair", "short_hair", "blue_hair", "blonde_hair", "smile", "dress",
                       "outdoors", "sky", "tree", "school_uniform", "red_eyes", "open_mouth", "jacket", "hat"};

void make_output(const fs::path& out, size_t items) {
  const fs::path work = out / ".tagforge" / "work";
  fs::create_directories(work);
  std::vector<fs::path> images;
  for (int i = 0; i < 64; ++i) {
    cv::Mat m(768, 512, CV_8UC3, cv::Scalar(i * 4, 255 - i * 4, (i * 37) % 256));
    cv::circle(m, {256, 300}, 80 + i, cv::Scalar(255, 255, 255), -1);
    images.push_back(out / fmt::format("source_{}.png", i));
    cv::imwrite(images.back().string(), m);
  }
  auto manifest = tagforge::Manifest::open(out / ".tagforge" / "manifest.sqlite");
  if (!manifest) throw std::runtime_error(manifest.error().to_string());
  tagforge::Manifest& m = **manifest;
  std::mt19937 rng(7);
  (void)m.begin();
  for (size_t i = 0; i < items; ++i) {
    const std::string rel = fmt::format("part_{:03}/img_{:07}.png", i / 5000, i);
    fs::create_directories((work / rel).parent_path());
    fs::remove(work / rel);
    fs::create_hard_link(images[i % 64], work / rel);
    (void)m.put_item({rel, fmt::format("{:032x}", i % 64), "", "image", "", ""});
    std::string tags;
    for (int k = 0; k < 8; ++k) tags += std::string(tags.empty() ? "" : ", ") + kTags[rng() % 16];
    const double score = std::uniform_real_distribution<double>(0, 1)(rng);
    (void)m.put_result(rel, "tags", {"fp", json{{"tags", tags}}.dump(), ""});
    (void)m.put_result(rel, "caption", {"fp", json{{"caption", "A girl stands outdoors."}, {"source", "tags"}}.dump(), ""});
    (void)m.put_result(rel, "score",
                       {"fp",
                        json{{"overall", score}, {"tag_inclusion", score}, {"english_similarity", score},
                             {"segmentation", nullptr}, {"missing", json::array()}, {"contradicted", json::array()},
                             {"extra", json::array()}, {"quality_tags", json::array()}, {"flagged", score < 0.3}}
                            .dump(),
                        ""});
    (void)m.put_result(rel, "nsfw", {"fp", json{{"nsfw", std::uniform_real_distribution<double>(0, 1)(rng)}}.dump(), ""});
    if (i % 10000 == 9999) {
      (void)m.commit();
      (void)m.begin();
    }
  }
  (void)m.commit();
}

long peak_rss_kb(pid_t pid) {
  std::ifstream f(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  size_t items = 100000;
  fs::path dir = "/tmp/tagforge-bench-serve";
  bool keep = false;  // --keep 1: leave the output for a look
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--items") items = std::stoul(argv[i + 1]);
    if (a == "--dir") dir = argv[i + 1];
    if (a == "--keep") keep = std::string(argv[i + 1]) == "1";
  }
  fs::remove_all(dir);
  const fs::path out = dir / "out";
  auto t = Clock::now();
  make_output(out, items);
  std::printf("made an output of %zu items in %.1f s\n", items, since(t));
  // Cold start for the page, as after a reboot: nothing of the manifest in the page cache.
  sync();
  if (std::ofstream drop("/proc/sys/vm/drop_caches"); drop) drop << "1";

  int pipe_fd[2];
  if (pipe(pipe_fd) != 0) return 2;
  const auto start = Clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fd[1], 1);
    close(pipe_fd[0]);
    execl(TAGFORGE_BIN, TAGFORGE_BIN, "serve", out.c_str(), "--port", "0", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_fd[1]);
  std::string said;
  char buf[512];
  int port = 0;
  while (port == 0) {
    const ssize_t n = read(pipe_fd[0], buf, sizeof buf);
    if (n <= 0) return 2;
    said.append(buf, size_t(n));
    if (const size_t at = said.find("127.0.0.1:"); at != std::string::npos && said.find('/', at) != std::string::npos) {
      port = std::stoi(said.substr(at + 10));
    }
  }
  const double listening = since(start);
  httplib::Client c("127.0.0.1", port);
  auto page = c.Get("/");
  auto first = c.Get("/api/items?offset=0&limit=200");
  const double opened = since(start);
  if (!page || page->status != 200 || !first || first->status != 200) return 2;
  std::printf("tagforge serve, %zu items: listening after %.3f s; page and first 200 items answered after %.3f s\n",
              items, listening, opened);
  while (said.find("indexed") == std::string::npos) {
    const ssize_t n = read(pipe_fd[0], buf, sizeof buf);
    if (n <= 0) break;
    said.append(buf, size_t(n));
  }
  const size_t line = said.find("tagforge serve: ", said.find('\n'));
  std::printf("  (the server said: %s)\n", said.substr(line, said.find('\n', line) - line).c_str());

  auto timed = [&](const char* what, const std::string& path) {
    const auto t0 = Clock::now();
    auto r = c.Get(path.c_str());
    const double s = since(t0);
    const json j = json::parse(r->body);
    std::printf("  %-40s %7.1f ms  (%s of %s)\n", what, s * 1000, j["total"].dump().c_str(), j["all"].dump().c_str());
  };
  timed("flagged", "/api/items?flagged=1&limit=200");
  timed("tag substring \"blonde\"", "/api/items?tag=blonde&limit=200");
  timed("  its next page (the answer kept)", "/api/items?tag=blonde&offset=200&limit=200");
  timed("score below 0.5, worst first", "/api/items?below=0.5&sort=score&limit=200");
  timed("all, most nsfw first", "/api/items?sort=nsfw&limit=200");
  timed("a page deep in the list (offset 90%)", fmt::format("/api/items?offset={}&limit=200", items * 9 / 10));

  const auto tc = Clock::now();
  for (int i = 0; i < 64; ++i) c.Get(fmt::format("/api/items/{}/thumb", i).c_str());
  const double cold = since(tc);
  const auto tw = Clock::now();
  for (int i = 64; i < 64 * 5; ++i) c.Get(fmt::format("/api/items/{}/thumb", i).c_str());
  const double warm = since(tw);
  std::printf("  thumbnails (512x768 PNG -> 256 px JPEG): made %.1f ms each; cached %.2f ms each\n", cold / 64 * 1000,
              warm / 256 * 1000);
  const auto td = Clock::now();
  auto detail = c.Get("/api/items/5");
  std::printf("  first item view: %.0f ms; the next: ", since(td) * 1000);
  const auto td2 = Clock::now();
  c.Get("/api/items/6");
  std::printf("%.1f ms\n", since(td2) * 1000);
  // A batch over the first 1,000 items (one tag added), then its undo.
  {
    auto page = c.Get("/");
    const std::string mark = "name=\"csrf-token\" content=\"";
    const size_t at = page->body.find(mark) + mark.size();
    const httplib::Headers csrf{{"X-CSRF-Token", page->body.substr(at, page->body.find('"', at) - at)}};
    json ids = json::array();
    for (int i = 0; i < 1000; ++i) ids.push_back(i);
    const auto tb = Clock::now();
    auto r = c.Post("/api/batch", csrf, json{{"ids", ids}, {"add", {"mychar"}}}.dump(), "application/json");
    const double batch = since(tb);
    const auto tu = Clock::now();
    auto u = c.Post("/api/undo", csrf, "{}", "application/json");
    const double undo = since(tu);
    std::printf("  batch: a tag added to 1,000 items %.2f s (%s); its undo %.2f s\n", batch,
                r && r->status == 200 ? r->body.c_str() : "failed", undo);
    if (!u || u->status != 200) std::printf("  undo failed\n");
  }
  std::printf("  server peak RSS %.0f MB\n", peak_rss_kb(pid) / 1024.0);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!keep) fs::remove_all(dir);
  return detail && detail->status == 200 ? 0 : 1;
}
