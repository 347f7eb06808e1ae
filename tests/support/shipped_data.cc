#include "shipped_data.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace tagforge::testing {
namespace {

const std::filesystem::path kData = TAGFORGE_TEST_DATA_DIR;

}  // namespace

const TagDb& shipped_db() {
  static const TagDb* d = [] {
    auto r = TagDb::load({kData / "danbooru_tags.csv"});
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
    return new TagDb(r.ok() ? std::move(*r) : TagDb::from_csv_text(""));
  }();
  return *d;
}

const TagRules& shipped_rules() {
  static const TagRules* r = [] {
    auto x = TagRules::load(kData / "tag_rules.toml", shipped_db());
    EXPECT_TRUE(x.ok()) << (x.ok() ? "" : x.error().to_string());
    return new TagRules(std::move(*x));
  }();
  return *r;
}

const Lexicon& shipped_lexicon() {
  static const Lexicon* l = [] {
    auto r = Lexicon::load(kData / "lexicon.txt", &shipped_db());
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
    return new Lexicon(std::move(*r));
  }();
  return *l;
}

}  // namespace tagforge::testing
