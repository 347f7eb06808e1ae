// Tag engine throughput: load the Danbooru database and the rules, then
// clean + prune + format N lists of 30 tags in memory on one core, for
// booru-style lists and for messy prompt-style ones.
// Prints figures; asserts nothing.
//
//   bench_tags [--lists N] [--variety K] [--data DIR]
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "tagforge/tags.h"

using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Lists of 30: a trigger word, a count tag (now and then a contradicting
// one), and 27 general tags drawn by use. "booru": as scraped, one file
// with underscores, the next with spaces. "messy": prompt-style, every tag
// written its own way (spaces, a capital, a weight).
std::vector<std::string> make_inputs(const std::vector<std::string>& pool, size_t count, bool messy) {
  std::mt19937_64 rng(42);
  std::vector<std::string> inputs(count);
  for (auto& s : inputs) {
    const bool spaces = rng() % 2 == 0;
    s = "my_trigger, ";
    s += (rng() % 4 == 0) ? "1girl, multiple_girls" : "1girl, solo";
    for (int k = 0; k < 27; ++k) {
      const double r = static_cast<double>(rng() % 1000) / 1000.0;
      std::string tag = pool[std::min<size_t>(pool.size() - 1, static_cast<size_t>(r * r * static_cast<double>(pool.size())))];
      const int how = messy ? static_cast<int>(rng() % 6) : (spaces ? 0 : 5);
      switch (how) {
        case 0: for (char& c : tag) if (c == '_') c = ' '; break;  // spaces
        case 1: tag = "(" + tag + ":1.1)"; break;                   // a weight
        case 2: if (!tag.empty()) tag[0] = static_cast<char>(std::toupper(tag[0])); break;
        default: break;
      }
      s += ", " + tag;
    }
  }
  return inputs;
}

void run_style(const char* style, const std::vector<std::string>& inputs, long lists, const tagforge::TagDb& db,
               const tagforge::TagRules& rules) {
  size_t total_tags_out = 0;
  tagforge::TagList list;
  tagforge::ParseScratch scratch;
  tagforge::PruneOptions prune;
  tagforge::FormatOptions format;
  format.remove_underscores = true;
  std::string out;
  // Five slices, timed apart: on a shared VM a neighbour can halve one
  // slice's speed, so the median and the best slice are both printed.
  constexpr int kSlices = 5;
  std::vector<double> rates;
  const long per_slice = std::max(1L, lists / kSlices);
  double t = 0;
  for (int slice = 0; slice < kSlices; ++slice) {
    auto t0 = Clock::now();
    for (long i = slice * per_slice; i < (slice + 1) * per_slice; ++i) {
      tagforge::parse_tag_list(inputs[static_cast<size_t>(i) % inputs.size()], db, list, scratch);
      (void)tagforge::prune_tags(list, db, rules, prune);
      tagforge::format_tags(list, db, format, out);
      total_tags_out += list.tags.size();
    }
    const double dt = seconds_since(t0);
    t += dt;
    rates.push_back(static_cast<double>(per_slice) / dt);
  }
  std::sort(rates.begin(), rates.end());
  lists = per_slice * kSlices;
  // The same work split by step, to see where the time goes.
  const long part = std::max(1L, lists / 4);
  double t_parse = 0, t_prune = 0, t_format = 0;
  for (long i = 0; i < part; ++i) {
    auto a = Clock::now();
    tagforge::parse_tag_list(inputs[static_cast<size_t>(i) % inputs.size()], db, list, scratch);
    auto b = Clock::now();
    (void)tagforge::prune_tags(list, db, rules, prune);
    auto c = Clock::now();
    tagforge::format_tags(list, db, format, out);
    auto d = Clock::now();
    t_parse += std::chrono::duration<double>(b - a).count();
    t_prune += std::chrono::duration<double>(c - b).count();
    t_format += std::chrono::duration<double>(d - c).count();
  }
  std::printf("clean (%s):  %ld lists of 30 tags in %.2f s on one core: median slice %.0f lists/s, best %.0f, "
              "worst %.0f (target >= 200000)\n",
              style, lists, t, rates[kSlices / 2], rates.back(), rates.front());
  std::printf("  per list:     parse %.2f us, prune %.2f us, format %.2f us (timed separately); %.1f tags kept\n",
              t_parse / static_cast<double>(part) * 1e6, t_prune / static_cast<double>(part) * 1e6,
              t_format / static_cast<double>(part) * 1e6, static_cast<double>(total_tags_out) / static_cast<double>(lists));
  std::printf("  e.g.          %s\n", out.substr(0, 110).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  long lists = 1000000, variety = 4096;
  std::filesystem::path data = tagforge::find_data_dir();
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--lists") lists = std::atol(argv[i + 1]);
    else if (a == "--data") data = argv[i + 1];
    else if (a == "--variety") variety = std::max(1L, std::atol(argv[i + 1]));  // distinct input lists
  }

  auto t0 = Clock::now();
  auto db = tagforge::TagDb::load({data / "danbooru_tags.csv"});
  const double t_db = seconds_since(t0);
  if (!db) {
    std::fprintf(stderr, "%s\n", db.error().to_string().c_str());
    return 1;
  }
  t0 = Clock::now();
  auto rules = tagforge::TagRules::load(data / "tag_rules.toml", *db);
  const double t_rules = seconds_since(t0);
  if (!rules) {
    std::fprintf(stderr, "%s\n", rules.error().to_string().c_str());
    return 1;
  }
  std::printf("tag database:   %zu tags, %zu aliases loaded in %.1f ms (target < 150 ms)\n", db->size(),
              db->aliases(), t_db * 1000);
  std::printf("rules:          %zu implications, %zu contradiction rules compiled in %.1f ms\n",
              rules->implications(), rules->conflicts(), t_rules * 1000);

  std::vector<std::string> pool;  // the 3000 most used general tags, most used first
  for (tagforge::TagId id = 0; id < db->size() && pool.size() < 3000; ++id) {
    if (db->category(id) == tagforge::TagCategory::kGeneral) pool.emplace_back(db->name(id));
  }
  run_style("booru", make_inputs(pool, static_cast<size_t>(variety), false), lists, *db, *rules);
  run_style("messy", make_inputs(pool, static_cast<size_t>(variety), true), lists, *db, *rules);
  return 0;
}
