#include <gtest/gtest.h>

#include <filesystem>

#include "caption/english.h"
#include "shipped_data.h"
#include "tagforge/lexicon.h"

namespace tagforge {
namespace {

const TagDb& db() { return testing::shipped_db(); }
const Lexicon& lexicon() { return testing::shipped_lexicon(); }

// "role: english" of a tag, or "" when the lexicon has no role for it.
std::string entry(std::string_view tag) {
  Word scratch;
  const Word* w = lexicon().find(tag, scratch);
  if (!w) return "";
  std::string out(role_name(w->role));
  out += ": " + w->english;
  if (w->number == Number::kPlural) out += " (plural)";
  return out;
}

TEST(Lexicon, ShippedFileLoadsCleanAndCoversTheMostUsedTags) {
  for (const auto& w : lexicon().warnings()) ADD_FAILURE() << "line " << w.line << ": " << w.message;
  EXPECT_GT(lexicon().listed(), 1000u);
  const LexiconCoverage c = lexicon_coverage(lexicon(), db(), 2000);
  EXPECT_EQ(c.tags, 2000u);
  EXPECT_GE(c.weighted(), 0.95);
}

TEST(Lexicon, ListedEntriesKeepTheirRoleNumberAndSynonyms) {
  EXPECT_EQ(entry("smile"), "expression: smiling");
  EXPECT_EQ(entry("upper_body"), "framing: upper-body view");
  EXPECT_EQ(entry("shoes"), "clothing: shoes (plural)");
  EXPECT_EQ(entry("@_@"), "face: dizzy swirling eyes (plural)");  // a face, not a base entry
  EXPECT_EQ(entry("highres"), "");  // meta category: no general tag
  Word scratch;
  const Word* w = lexicon().find("looking_at_viewer", scratch);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->role, Role::kGaze);
  EXPECT_NE(std::find(w->synonyms.begin(), w->synonyms.end(), "facing the viewer"), w->synonyms.end());
}

TEST(Lexicon, DerivesColoursPatternsCountsAndHeldThings) {
  EXPECT_EQ(entry("red_dress"), "clothing: red dress");
  EXPECT_EQ(entry("light_blue_hair"), "hair_color: light blue hair");
  EXPECT_EQ(entry("heterochromia"), "eyes: eyes of two colours (plural)");
  EXPECT_EQ(entry("grey_eyes"), "eye_color: grey eyes (plural)");
  EXPECT_EQ(entry("black_footwear"), "clothing: black shoes (plural)");  // from the @footwear base
  EXPECT_EQ(entry("striped_thighhighs"), "clothing: striped thighhighs (plural)");
  EXPECT_EQ(entry("blue_one-piece_swimsuit"), "clothing: blue one-piece swimsuit");
  EXPECT_EQ(entry("red_flower"), "object: a red flower");
  EXPECT_EQ(entry("holding_sword"), "held: holding a sword");
  EXPECT_EQ(entry("holding_umbrella"), "held: holding an umbrella");
  EXPECT_EQ(entry("3girls"), "subject: three girls (plural)");
  EXPECT_EQ(entry("6+boys"), "subject: many boys (plural)");
  EXPECT_EQ(entry("1girl"), "subject: a girl");
  EXPECT_EQ(entry("fox_ears"), "body: fox ears (plural)");
  EXPECT_EQ(entry("pink_background"), "background: a pink background");
  // Not a tag of the database, derived on the spot.
  EXPECT_EQ(entry("light_purple_striped_scarf"), "accessory: light purple striped scarf");
  EXPECT_EQ(entry("qwerty_zxcv"), "");
  EXPECT_EQ(entry("red_qwerty"), "");  // a colour alone makes no entry
}

TEST(Lexicon, BadFilesAreErrorsNamingTheLine) {
  auto unknown = Lexicon::parse("[clothing]\nshirt\n[nonsense]\n", "x.txt", nullptr);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("x.txt line 3"), std::string::npos);
  EXPECT_FALSE(Lexicon::parse("shirt\n", "x.txt", nullptr).ok());              // before any section
  EXPECT_FALSE(Lexicon::parse("[clothing]\nshirt nice\n", "x.txt", nullptr).ok());  // no "= "
  auto twice = Lexicon::parse("[clothing]\nshirt\nshirt = top\n", "x.txt", nullptr);
  ASSERT_TRUE(twice.ok());
  ASSERT_EQ(twice->warnings().size(), 1u);
  EXPECT_EQ(twice->warnings()[0].line, 3u);
}

TEST(English, IndefiniteArticles) {
  EXPECT_EQ(with_article("apple"), "an apple");
  EXPECT_EQ(with_article("red dress"), "a red dress");
  EXPECT_EQ(with_article("umbrella"), "an umbrella");
  EXPECT_EQ(with_article("uniform"), "a uniform");
  EXPECT_EQ(with_article("hour-long nap"), "an hour-long nap");
  EXPECT_EQ(with_article("ID card"), "an ID card");
  EXPECT_EQ(with_article("one-piece swimsuit"), "a one-piece swimsuit");
  EXPECT_EQ(with_article("the moon"), "the moon");
  EXPECT_EQ(spaced("long_hair"), "long hair");
}

}  // namespace
}  // namespace tagforge
