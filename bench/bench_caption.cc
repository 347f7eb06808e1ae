// Caption and scoring throughput on one core: lists of 30 tags as booru
// posts carry them (a count tag, a character now and then, 28 general tags
// drawn by use), parsed and pruned before the clock starts.
// Prints figures; asserts nothing.
//
//   bench_caption [--lists N] [--data DIR]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "tagforge/score.h"

using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Runs fn(i) for i in [0, n) in five timed slices; returns {median, best, worst} per second.
template <typename Fn>
std::array<double, 3> sliced_rate(long n, Fn&& fn) {
  constexpr int kSlices = 5;
  std::vector<double> rates;
  const long per = std::max(1L, n / kSlices);
  for (int s = 0; s < kSlices; ++s) {
    const auto t0 = Clock::now();
    for (long i = s * per; i < (s + 1) * per; ++i) fn(i);
    rates.push_back(static_cast<double>(per) / seconds_since(t0));
  }
  std::sort(rates.begin(), rates.end());
  return {rates[kSlices / 2], rates.back(), rates.front()};
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  long lists = 200000;
  std::filesystem::path data = tagforge::find_data_dir();
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--lists") lists = std::max(5L, std::atol(argv[i + 1]));
    else if (a == "--data") data = argv[i + 1];
  }
  auto db = tagforge::TagDb::load({data / "danbooru_tags.csv"});
  if (!db) return std::fprintf(stderr, "%s\n", db.error().to_string().c_str()), 1;
  auto rules = tagforge::TagRules::load(data / "tag_rules.toml", *db);
  if (!rules) return std::fprintf(stderr, "%s\n", rules.error().to_string().c_str()), 1;
  const auto t_lex = Clock::now();
  auto lexicon = tagforge::Lexicon::load(data / "lexicon.txt", &*db);
  if (!lexicon) return std::fprintf(stderr, "%s\n", lexicon.error().to_string().c_str()), 1;
  std::printf("lexicon:        %zu listed entries, loaded and derived in %.1f ms\n", lexicon->listed(),
              seconds_since(t_lex) * 1000);

  // The 2000 most used general tags, and some characters with their series.
  std::vector<std::pair<uint64_t, std::string>> general, characters;
  for (tagforge::TagId id = 0; id < db->size(); ++id) {
    const auto cat = db->category(id);
    if (cat == tagforge::TagCategory::kGeneral) general.emplace_back(db->post_count(id), std::string(db->name(id)));
    if (cat == tagforge::TagCategory::kCharacter) characters.emplace_back(db->post_count(id), std::string(db->name(id)));
  }
  std::sort(general.rbegin(), general.rend());
  std::sort(characters.rbegin(), characters.rend());
  general.resize(std::min<size_t>(general.size(), 2000));
  characters.resize(std::min<size_t>(characters.size(), 200));

  constexpr size_t kDistinct = 4096;
  std::mt19937_64 rng(7);
  std::vector<tagforge::TagList> inputs(kDistinct);
  size_t tags_total = 0;
  for (auto& list : inputs) {
    static const char* kCounts[] = {"1girl, solo", "1girl, solo", "1boy, solo", "2girls", "1girl, 1boy", "no_humans"};
    std::string s = kCounts[rng() % 6];
    if (rng() % 3 == 0) s += ", " + characters[rng() % characters.size()].second;
    for (int k = 0; k < 28; ++k) {
      const double r = static_cast<double>(rng() % 1000) / 1000.0;
      s += ", " + general[static_cast<size_t>(r * r * static_cast<double>(general.size()))].second;
    }
    list = tagforge::parse_tag_list(s, *db);
    (void)tagforge::prune_tags(list, *db, *rules, tagforge::PruneOptions{});
    tags_total += list.tags.size();
  }
  std::printf("inputs:         %zu distinct lists, %.1f tags each after pruning\n", kDistinct,
              static_cast<double>(tags_total) / kDistinct);

  tagforge::CaptionOptions copt;
  std::vector<std::string> captions(kDistinct);
  size_t chars = 0;
  const auto cap = sliced_rate(lists, [&](long i) {
    const size_t k = static_cast<size_t>(i) % kDistinct;
    captions[k] = tagforge::caption_from_tags(inputs[k], *db, *lexicon, copt);
    chars += captions[k].size();
  });
  std::printf("caption:        median slice %.0f captions/s, best %.0f, worst %.0f on one core (target >= 50000); "
              "%.0f characters each\n",
              cap[0], cap[1], cap[2], static_cast<double>(chars) / static_cast<double>(lists));
  std::printf("  e.g.          %s\n", captions[1].substr(0, 160).c_str());

  tagforge::ScoreOptions sopt;
  double overall = 0;
  const auto score = sliced_rate(lists, [&](long i) {
    const size_t k = static_cast<size_t>(i) % kDistinct;
    overall += tagforge::score_caption(captions[k], inputs[k], *db, *lexicon, sopt).overall;
  });
  std::printf("score:          median slice %.0f pairs/s, best %.0f, worst %.0f on one core (target >= 50000); "
              "mean overall %.3f of the tags' own captions\n",
              score[0], score[1], score[2], overall / static_cast<double>(lists));
  return 0;
}
