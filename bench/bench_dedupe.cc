// Near-copy grouping (issue 21), three figures:
//   1. grouping N precomputed hashes (default 1,000,000) with the index, and the
//      process's peak RSS;
//   2. a pairwise brute force over the first 50,000 of them against the index
//      on the same 50,000 (the groups must agree), and the ratio;
//   3. hashing throughput: decoding the test media's images from memory, then
//      decoding and hashing them, in images/s, and the ratio (target >= 0.9);
//   4. the aligned check of candidate pairs (dedupe/aligned_check.h), in pairs/s
//      on one core, over every pair of the test media's thumbnails and of
//      pictures made like bench_pipeline's (a few rectangles on a colour).
// The hashes are random, a quarter of them with one to three near copies (up
// to 12 bits moved in one hash and 6 in the other): a real dataset's hashes
// cluster more, which makes the index's runs longer. Prints figures; asserts nothing.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "dedupe/aligned_check.h"
#include "dedupe/near_copies.h"
#include "media/decode.h"
#include "media/perceptual_hash.h"

namespace fs = std::filesystem;
using namespace tagforge;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double peak_rss_mb() {
  struct rusage u {};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;
}

uint64_t moved(uint64_t h, int bits, std::mt19937_64& rng) {
  for (int b = 0; b < bits; ++b) h ^= uint64_t(1) << (rng() % 64);
  return h;
}

std::vector<PerceptualHash> planted(size_t n) {
  std::mt19937_64 rng(42);
  std::vector<PerceptualHash> out;
  out.reserve(n);
  while (out.size() < n) {
    const PerceptualHash h{rng(), rng(), rng(), rng()};
    out.push_back(h);
    if (rng() % 4 != 0) continue;
    for (int k = 0, copies = 1 + int(rng() % 3); k < copies && out.size() < n; ++k) {
      if (rng() % 2) out.push_back({moved(h.dct, int(rng() % 13), rng), moved(h.centre, int(rng() % 7), rng), rng(), rng()});
      else out.push_back({moved(h.dct, int(rng() % 7), rng), moved(h.centre, int(rng() % 13), rng), rng(), rng()});
    }
  }
  // Copies next to their originals would flatter the caches: shuffle.
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

std::vector<std::vector<uint32_t>> brute_force(std::span<const PerceptualHash> h, const NearCopyOptions& o) {
  std::vector<uint32_t> parent(h.size());
  for (uint32_t i = 0; i < h.size(); ++i) parent[i] = i;
  auto find = [&](uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (size_t i = 0; i < h.size(); ++i)
    for (size_t j = i + 1; j < h.size(); ++j)
      if (near_copy_distance(h[i], h[j], o)) parent[find(uint32_t(j))] = find(uint32_t(i));
  std::map<uint32_t, std::vector<uint32_t>> by;
  for (uint32_t i = 0; i < h.size(); ++i) by[find(i)].push_back(i);
  std::vector<std::vector<uint32_t>> out;
  for (auto& [_, g] : by)
    if (g.size() > 1) out.push_back(std::move(g));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.front() < b.front(); });
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 1000000, brute_n = 50000;
  int rounds = 20;
  NearCopyOptions options;  // the default threshold, no flip
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--hashes")) n = std::strtoul(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--brute-force")) brute_n = std::strtoul(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--rounds")) rounds = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threshold")) options.threshold = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--flip")) options.flip = std::atoi(argv[i + 1]) != 0;
  }

  const std::vector<PerceptualHash> hashes = planted(n);
  auto t0 = std::chrono::steady_clock::now();
  const auto groups = near_copy_groups(hashes, options);
  const double grouping = seconds_since(t0);
  size_t members = 0;
  for (const auto& g : groups) members += g.size();
  std::printf("grouping %zu hashes (index, threshold %d%s)   %7.2f s  %zu groups, %zu members  peak RSS %.1f MB\n", n,
              options.threshold, options.flip ? ", flip" : "", grouping, groups.size(), members, peak_rss_mb());

  brute_n = std::min(brute_n, n);
  const std::span<const PerceptualHash> first(hashes.data(), brute_n);
  t0 = std::chrono::steady_clock::now();
  const auto by_index = near_copy_groups(first, options);
  const double indexed = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  const auto by_pairs = brute_force(first, options);
  const double pairwise = seconds_since(t0);
  std::printf("grouping %zu hashes: index %.3f s, every pair %.2f s (one core): %.0fx; groups %s\n", brute_n, indexed,
              pairwise, pairwise / indexed, by_index == by_pairs ? "agree" : "DIFFER");

  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(TAGFORGE_SOURCE_DIR "/third_party/test_media/renpy")) {
    const std::string ext = e.path().extension().string();
    if (ext != ".jpg" && ext != ".png") continue;
    std::ifstream in(e.path(), std::ios::binary);
    files.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (files.empty()) return std::fprintf(stderr, "no test media (scripts/fetch_test_media.sh)\n"), 1;
  auto run = [&](bool hash) {
    uint64_t sink = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < rounds; ++r)
      for (const std::string& f : files) {
        auto d = decode_image_bytes({reinterpret_cast<const uint8_t*>(f.data()), f.size()}, "bench");
        if (!d.ok()) std::exit((std::fprintf(stderr, "%s\n", d.error().to_string().c_str()), 1));
        sink += hash ? perceptual_hash(d->image).dct : d->image.pixels[0];
      }
    const double s = seconds_since(start);
    if (sink == 42) std::puts("");  // keeps the work
    return double(rounds) * double(files.size()) / s;
  };
  run(false);  // warm
  double decode_only = 0, decode_hash = 0;  // the best of three, alternating
  for (int k = 0; k < 3; ++k) decode_only = std::max(decode_only, run(false)), decode_hash = std::max(decode_hash, run(true));
  std::printf("%zu test media images (1280x720 JPEG, RGBA PNG sprites), one core: decode %.1f images/s, decode + hash %.1f "
              "images/s: %.3f (target >= 0.9)\n",
              files.size(), decode_only, decode_hash, decode_hash / decode_only);

  std::vector<GreyThumbnail> thumbs;
  for (const std::string& f : files) {
    auto d = decode_image_bytes({reinterpret_cast<const uint8_t*>(f.data()), f.size()}, "bench");
    perceptual_hash(d->image, &thumbs.emplace_back());
  }
  std::mt19937 rng(7);
  for (int k = 0; k < 40; ++k) {  // bench_pipeline's pictures: a colour and three rectangles, 32x32
    Image8 im;
    im.width = im.height = 32;
    im.channels = 3;
    im.pixels.resize(32 * 32 * 3);
    auto fill = [&](int x0, int y0, int x1, int y1) {
      const uint8_t c[3] = {uint8_t(rng()), uint8_t(rng()), uint8_t(rng())};
      for (int y = std::min(y0, y1); y <= std::max(y0, y1); ++y)
        for (int x = std::min(x0, x1); x <= std::max(x0, x1); ++x)
          for (int ch = 0; ch < 3; ++ch) im.pixels[size_t((y * 32 + x) * 3 + ch)] = c[ch];
    };
    fill(0, 0, 31, 31);
    for (int r = 0; r < 3; ++r) fill(int(rng() % 32), int(rng() % 32), int(rng() % 32), int(rng() % 32));
    perceptual_hash(im, &thumbs.emplace_back());
  }
  size_t pairs = 0, searched = 0;
  const auto check_start = std::chrono::steady_clock::now();
  int sink = 0;
  for (size_t i = 0; i < thumbs.size(); ++i)
    for (size_t j = i + 1; j < thumbs.size(); ++j) {
      ++pairs;
      const int plain = plain_mean_difference(thumbs[i], thumbs[j]);
      searched += plain <= kHopelessMeanDifference;
      sink += aligned_block_difference(thumbs[i], thumbs[j]);
    }
  const double check_s = seconds_since(check_start);
  if (sink == 42) std::puts("");
  std::printf("aligned check: %zu pairs (%zu within the search's reach), one core: %.0f pairs/s\n", pairs, searched,
              double(pairs) / check_s);
  return 0;
}
