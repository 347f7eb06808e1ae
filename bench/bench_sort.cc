// Sort and scan throughput against the machine's raw rename(2) rate, and peak
// memory for a million entries. Prints figures; asserts nothing.
//
//   bench_sort [--files N] [--sidecars M] [--rounds R] [--dir D] [--memory-entries E]
//
// Disk timings on a shared machine swing by 30% from one minute to the next,
// so raw and sort run in R interleaved rounds and the medians are compared.
// 1. raw:  N+M files in one folder, renamed into buckets of 1000 by a plain
//          loop of rename(2) (the floor any sorter pays).
// 2. sort: an identical tree sorted by tagforge (scan + plan + journal + moves).
// 3. scan: tagforge scan of the sorted tree.
// 4. memory: sort of E entries in a child process; its peak RSS.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "media_fixtures.h"
#include "tagforge/scan.h"
#include "tagforge/sort.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void write_raw(const std::string& path, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || ::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
    std::perror(path.c_str());
    std::exit(1);
  }
  ::close(fd);
}

// media files img<i>.png, the first `sidecars` of them with img<i>.txt.
void make_tree(const fs::path& dir, long media, long sidecars) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string png = tagforge::testing::png_bytes(1);
  for (long i = 0; i < media; ++i) {
    const std::string stem = (dir / ("img" + std::to_string(i))).string();
    write_raw(stem + ".png", png);
    if (i < sidecars) write_raw(stem + ".txt", "1girl, solo");
  }
}

double raw_rename(const fs::path& dir, long media, long sidecars) {
  // Same destination layout as the sort: 1000 media (and their sidecars) per folder.
  const auto t0 = Clock::now();
  for (long i = 0; i < media; ++i) {
    const std::string bucket = (dir / ("b_" + std::to_string(i / 1000 + 1))).string();
    if (i % 1000 == 0) ::mkdir(bucket.c_str(), 0755);
    const std::string name = "img" + std::to_string(i);
    ::rename((dir / (name + ".png")).c_str(), (bucket + "/" + name + ".png").c_str());
    if (i < sidecars) ::rename((dir / (name + ".txt")).c_str(), (bucket + "/" + name + ".txt").c_str());
  }
  return seconds_since(t0);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  long files = 200000, sidecars = 150000, memory_entries = 0, rounds = 3;
  fs::path base = fs::temp_directory_path() / "tagforge-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--files") files = std::atol(argv[i + 1]);
    else if (a == "--sidecars") sidecars = std::atol(argv[i + 1]);
    else if (a == "--dir") base = argv[i + 1];
    else if (a == "--memory-entries") memory_entries = std::atol(argv[i + 1]);
    else if (a == "--rounds") rounds = std::max(1L, std::atol(argv[i + 1]));
  }
  const long total = files + sidecars;
  std::printf("bench_sort: %ld media + %ld sidecars = %ld files, %u cores, in %s\n", files, sidecars, total,
              std::thread::hardware_concurrency(), base.c_str());

  std::vector<double> raw_times, sort_times;
  // Trees are deleted only at the end: ext4 slows file creation right after
  // mass deletion (it skips recently freed inodes), which would drag the
  // set-up of every later round out to minutes.
  for (long round = 1; round <= rounds; ++round) {
    const fs::path raw_dir = base / ("raw" + std::to_string(round));
    const fs::path sort_dir = base / ("sort" + std::to_string(round));
    make_tree(raw_dir, files, sidecars);
    make_tree(sort_dir, files, sidecars);
    // Each timed part starts on a synced disk, and the order alternates: the
    // part that runs second pays for the first one's write-back otherwise.
    tagforge::SortOptions opt;
    opt.scan.classify_sidecars = false;  // as `tagforge sort` does
    double t_raw = 0, t_sort = 0;
    tagforge::Result<tagforge::SortReport> r = tagforge::Error{tagforge::ErrorCode::kInternal, "not run", {}};
    for (int part = 0; part < 2; ++part) {
      ::sync();
      if ((part == 0) == (round % 2 == 1)) {
        t_raw = raw_rename(raw_dir, files, sidecars);
      } else {
        const auto t0 = Clock::now();
        r = tagforge::sort_tree(sort_dir, opt);
        t_sort = seconds_since(t0);
      }
    }
    if (!r) {
      std::fprintf(stderr, "sort failed: %s\n", r.error().to_string().c_str());
      return 1;
    }
    if (r->moved != static_cast<uint64_t>(total)) {
      std::fprintf(stderr, "sort moved %lu of %ld files\n", static_cast<unsigned long>(r->moved), total);
      return 1;
    }
    const auto& p = r->phases;
    std::printf("round %ld (%s first): raw %.2f s, sort %.2f s (list %.2f, early probes %.2f, stream %.2f [of which waiting "
                "for probes %.2f, journal %.2f, moves %.2f], sync+cleanup %.2f)\n",
                round, round % 2 ? "raw" : "sort", t_raw, t_sort, p.list, p.early, p.stream, p.waiting, p.journal, p.moves, p.finish);
    raw_times.push_back(t_raw);
    sort_times.push_back(t_sort);
  }
  const double t_raw = median(raw_times), t_sort = median(sort_times);
  const double raw_rate = total / t_raw, sort_rate = total / t_sort;
  std::printf("raw rename(2):  %8.0f files/s  (median of %ld: %.2f s)\n", raw_rate, rounds, t_raw);
  std::printf("tagforge sort:  %8.0f files/s  (median of %ld: %.2f s, everything from listing to the final sync)\n", sort_rate,
              rounds, t_sort);
  std::printf("sort / raw:     %8.2f  (target >= 0.80)\n", sort_rate / raw_rate);

  tagforge::ScanOptions so;
  const auto t1 = Clock::now();
  auto s = tagforge::scan_tree(base / ("sort" + std::to_string(rounds)), so);
  const double t_scan = seconds_since(t1);
  if (!s) return 1;
  std::printf("tagforge scan:  %8.0f files/s  (%.2f s, %lu files, sidecars classified)\n",
              s->counts().files / t_scan, t_scan, static_cast<unsigned long>(s->counts().files));
  fs::remove_all(base);

  if (memory_entries > 0) {
    const long media = memory_entries * 4 / 7, side = memory_entries - media;  // same mix as above
    make_tree(base / "mem", media, side);
    pid_t pid = ::fork();
    if (pid == 0) {
      tagforge::SortOptions mo;
      mo.scan.classify_sidecars = false;
      auto mr = tagforge::sort_tree(base / "mem", mo);
      ::_exit(mr.ok() ? 0 : 1);
    }
    int status = 0;
    struct rusage ru;
    ::wait4(pid, &status, 0, &ru);
    std::printf("peak memory:    %8.1f MB sorting %ld entries (%ld media + %ld sidecars; target < 400 MB)%s\n",
                ru.ru_maxrss / 1024.0, memory_entries, media, side, status == 0 ? "" : "  [sort FAILED]");
    fs::remove_all(base / "mem");
  }
  return 0;
}
