// bench_pull [MB...]: `tagforge models pull` from a local hub mirror
// (tests/support/fake_hub_server: the hub's resolve API, a 302 to the CDN
// address, Range) against `curl -L -o` of the same file from the same mirror,
// in alternating rounds so the page cache favours neither. The pull hashes
// every byte (sha256), fsyncs and renames; curl only writes, so each curl
// round is also timed with `sync FILE` after it. Sizes default to the
// catalogue's default tagger (379 MB) and its largest models (1.26 GB); each
// is measured with the cache on the disk (TMPDIR) and, where there is one, on
// tmpfs (/dev/shm), where fsync costs nothing and the download itself is what
// is compared. Prints each round, the medians and their ratios.
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "fake_hub_server.h"
#include "media_fixtures.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Runs argv with `env` added; returns seconds, or -1 when it failed.
double timed(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  const auto t0 = Clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? secs : -1;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Medians {
  double pull, curl, curl_synced;
};

// Three alternating rounds of pull and curl for one file of `mb` MB, with
// the cache and curl's output under `root`.
std::optional<Medians> measure(const tagforge::testing::FakeHubServer& hub, const fs::path& root, size_t mb) {
  const fs::path catalogue = root / "models.toml";
  tagforge::testing::write_file(catalogue, "[bench-model]\nkind = \"wd-v3\"\nrepo = \"bench/model\"\n"
                                           "files = [\"model.onnx\"]\n");
  const std::string url = hub.endpoint() + "/bench/model/resolve/main/model.onnx";
  std::vector<double> pulls, curls, curls_synced;
  for (int round = 0; round < 3; ++round) {
    for (int k = 0; k < 2; ++k) {
      const bool pull_first = round % 2 == 0;
      if ((k == 0) == pull_first) {
        const fs::path home = root / fmt::format("home{}", round);
        fs::remove_all(home);
        const double s = timed({TAGFORGE_BIN, "models", "pull", "bench-model", "-q"},
                               {"HF_ENDPOINT=" + hub.endpoint(), "HF_HOME=" + (home / "hf").string(), "HF_HUB_CACHE=",
                                "HF_HUB_OFFLINE=0", "HF_TOKEN=", "TAGFORGE_MODELS_LOCK=" + (home / "lock").string(),
                                "TAGFORGE_MODEL_CATALOGUE=" + catalogue.string()});
        if (s < 0) return std::fprintf(stderr, "bench_pull: the pull failed\n"), std::nullopt;
        pulls.push_back(s);
        std::printf("  tagforge models pull  %6.2f s  %7.1f MB/s\n", s, double(mb << 20) / s / 1e6);
        fs::remove_all(home);
      } else {
        const fs::path out = root / "curl.bin";
        fs::remove(out);
        const double s = timed({"curl", "-s", "-f", "-L", "-o", out.string(), url}, {});
        if (s < 0) return std::fprintf(stderr, "bench_pull: curl failed (is it installed?)\n"), std::nullopt;
        // What the pull also does and curl does not: the file on disk for sure (coreutils' sync FILE).
        const double synced = s + timed({"sync", out.string()}, {});
        curls.push_back(s);
        curls_synced.push_back(synced);
        std::printf("  curl -L -o            %6.2f s  %7.1f MB/s   (then sync FILE: %.2f s, %.1f MB/s)\n", s,
                    double(mb << 20) / s / 1e6, synced, double(mb << 20) / synced / 1e6);
        fs::remove(out);
      }
    }
  }
  return Medians{median(pulls), median(curls), median(curls_synced)};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::strtoull(argv[i], nullptr, 10));
  if (sizes.empty()) sizes = {379, 1260};
  std::vector<std::pair<std::string, fs::path>> places = {
      {"disk (TMPDIR)", tagforge::testing::fresh_temp_dir("bench-pull")}};
  if (fs::is_directory("/dev/shm")) {
    const fs::path shm = fs::path("/dev/shm") / fmt::format("tagforge-bench-pull-{}", getpid());
    fs::create_directories(shm);
    places.emplace_back("tmpfs (/dev/shm)", shm);
  }
  struct Row {
    size_t mb;
    std::string place;
    Medians m;
  };
  std::vector<Row> rows;
  for (const size_t mb : sizes) {
    std::string bytes(mb << 20, '\0');
    std::mt19937_64 rng(19);
    for (size_t i = 0; i + 8 <= bytes.size(); i += 8) {
      const uint64_t v = rng();
      std::memcpy(&bytes[i], &v, 8);
    }
    tagforge::testing::FakeHubServer hub;
    const std::string commit = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";
    hub.add_repo("bench/model", tagforge::testing::FakeHubRepo{commit, {{"model.onnx", {bytes, true}}}, ""});
    bytes.clear();
    bytes.shrink_to_fit();
    for (const auto& [place, root] : places) {
      std::printf("a %zu MB file from a local mirror (loopback), cache and curl's file on %s, 3 rounds each, "
                  "alternating\n",
                  mb, place.c_str());
      const auto m = measure(hub, root, mb);
      if (!m) return 1;
      rows.push_back({mb, place, *m});
    }
  }
  std::printf("\nmedians (target: pull >= 0.80x curl -o)\n");
  std::printf("  %7s  %-17s %10s %10s %8s %15s %8s\n", "MB", "where", "pull MB/s", "curl MB/s", "ratio",
              "curl+sync MB/s", "ratio");
  for (const auto& r : rows) {
    const double bytes = double(r.mb << 20);
    std::printf("  %7zu  %-17s %10.1f %10.1f %7.2fx %15.1f %7.2fx\n", r.mb, r.place.c_str(), bytes / r.m.pull / 1e6,
                bytes / r.m.curl / 1e6, r.m.curl / r.m.pull, bytes / r.m.curl_synced / 1e6, r.m.curl_synced / r.m.pull);
  }
  const double startup = timed({TAGFORGE_BIN, "--version"}, {});
  std::printf("(tagforge's own start-up, `tagforge --version`: %.2f s; every pull round includes it)\n", startup);
  for (const auto& [place, root] : places) fs::remove_all(root);
  return 0;
}
