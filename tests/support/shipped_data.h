// The shipped data files (data/), loaded once per test binary: the Danbooru
// tag database, the tag rules and the lexicon. A load failure fails the test
// that asked first.
#pragma once

#include "tagforge/lexicon.h"
#include "tagforge/tags.h"

namespace tagforge::testing {

const TagDb& shipped_db();
const TagRules& shipped_rules();
const Lexicon& shipped_lexicon();

}  // namespace tagforge::testing
