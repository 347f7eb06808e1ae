// Fuzz target: the grammar on any tag list, and the scorer on any caption.
// Input: a tag list, a newline, a caption. A caption is one line of text,
// and every score lies in [0, 1].
#include <cstdlib>
#include <string>
#include <vector>

#include "shipped_data.h"
#include "tagforge/score.h"

std::vector<std::string> fuzz_seeds() {
  return {"1girl, solo, blonde hair, red eyes, red dress\nA girl in a pink dress with blonde hair.",
          "2girls, multiple girls, hatsune miku, vocaloid, holding hands\nTwo girls hold hands; their eyes are red.",
          "no_humans, scenery, sky, my_trigger\n\xe9\x87\x91\xe9\xab\xaa, , ,. . ;;",
          "\n", "6+boys, 1other, holding_holding_sword, light_blue_striped_scarf\nmany men"};
}

namespace {

bool unit(double x) { return x >= 0.0 && x <= 1.0; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tagforge;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t nl = in.find('\n');
  const std::string_view tag_text = in.substr(0, nl);
  const std::string_view caption_text = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  const TagDb& db = fuzz::shipped_db();
  const TagRules& rules = fuzz::shipped_rules();
  const Lexicon& lexicon = fuzz::shipped_lexicon();
  TagList list = parse_tag_list(tag_text, db);
  if (!prune_tags(list, db, rules, PruneOptions{}).ok()) std::abort();
  CaptionOptions opt;
  opt.seed = size;
  const std::string caption = caption_from_tags(list, db, lexicon, opt);
  if (caption.find('\n') != std::string::npos || caption.find('\r') != std::string::npos) std::abort();
  static const ScoreOptions score_options;  // built once, not per input
  for (std::string_view c : {std::string_view(caption), caption_text}) {
    const CaptionScore s = score_caption(c, list, db, lexicon, score_options);
    if (!unit(s.tag_inclusion) || !unit(s.english_similarity) || !unit(s.overall)) std::abort();
    if (s.quality_tags.size() != 2) std::abort();
  }
  return 0;
}
