// Fuzz target: the lexicon parser (users may pass their own --lexicon), and
// lookups in what it parsed.
#include <cstdlib>
#include <string>
#include <vector>

#include "tagforge/lexicon.h"

std::vector<std::string> fuzz_seeds() {
  return {"[colors]\nred\nlight_blue = light blue | pale blue\n[clothing]\ndress\n@footwear = shoes+\n",
          "[face]\n@_@ = dizzy eyes+\n|_| = x\n[omit]\n...\n", "[subject]\n1other = person | someone\n", "#\n[x]\n"};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto lx = tagforge::Lexicon::parse(text, "fuzz", nullptr);
  if (!lx) return 0;
  tagforge::Word scratch;
  for (std::string_view tag : {"red_dress", "holding_dress", "light_blue_hair", "3girls", "x_ears", "dress", "_", ""}) {
    const tagforge::Word* w = lx->find(tag, scratch);
    if (w && w->english.empty()) std::abort();  // every entry has English
  }
  return 0;
}
