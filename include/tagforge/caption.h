// English captions from tags, deterministically: a lexicon (lexicon.h)
// and a grammar, no model.
#pragma once

#include <cstdint>
#include <string>

#include "tagforge/lexicon.h"
#include "tagforge/tags.h"

namespace tagforge {

struct CaptionOptions {
  std::string trigger;       // forced at the very start: "ohwx, a smiling girl …"
  bool artist = false;       // end with "Art by <artist>." when the tags name one
  bool keep_unknown = true;  // tags the lexicon does not know: "Also: …" (true) or left out
  uint64_t seed = 0;         // 0: one fixed order; else a seeded order of phrases and sentences
};

// The caption of a tag list (best pruned first: `1girl` with `multiple_girls`
// reads as nonsense). Same input, same options -> same caption.
// REQUIRES: `lexicon` was loaded with `db`, and `tags` parsed against it.
std::string caption_from_tags(const TagList& tags, const TagDb& db, const Lexicon& lexicon,
                              const CaptionOptions& options);

}  // namespace tagforge
