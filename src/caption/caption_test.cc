// The grammar on real tag lists (as Danbooru posts carry them): what each
// caption must contain, and what no caption may contain.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "shipped_data.h"
#include "tagforge/caption.h"

namespace tagforge {
namespace {

std::string caption(std::string_view tags, const CaptionOptions& opt = {}) {
  TagList list = parse_tag_list(tags, testing::shipped_db());
  EXPECT_TRUE(prune_tags(list, testing::shipped_db(), testing::shipped_rules(), PruneOptions{}).ok());
  return caption_from_tags(list, testing::shipped_db(), testing::shipped_lexicon(), opt);
}

// What every caption must be: sentences, no tag syntax, no doubled words.
void expect_well_formed(const std::string& c) {
  SCOPED_TRACE(c);
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c.find('_'), std::string::npos);
  EXPECT_EQ(c.find("  "), std::string::npos);
  EXPECT_EQ(c.find(" ,"), std::string::npos);
  EXPECT_EQ(c.find(",,"), std::string::npos);
  EXPECT_EQ(c.back(), '.');
  EXPECT_TRUE(c[0] >= 'A' && c[0] <= 'Z');
  std::istringstream words(c);
  std::string prev, w;
  while (words >> w) {
    EXPECT_FALSE(w == prev && w != "and") << "doubled word: " << w;
    EXPECT_FALSE((prev == "a" || prev == "an") && (w == "a" || w == "an" || w == "the")) << prev << " " << w;
    const bool vowel_sound = std::string("aeiou").find(w[0]) != std::string::npos &&
                             w.rfind("one", 0) != 0 && w.rfind("uni", 0) != 0 && w.rfind("use", 0) != 0;
    if (prev == "a") {
      EXPECT_FALSE(vowel_sound) << "a " << w;
    }
    prev = w;
  }
}

void expect_contains(const std::string& c, std::initializer_list<std::string_view> parts) {
  for (auto p : parts) EXPECT_NE(c.find(p), std::string::npos) << "missing \"" << p << "\" in: " << c;
}

TEST(Caption, TheIssueExample) {
  const std::string c = caption("1girl, solo, blonde hair, red eyes, red dress, pink shoes, smile, sitting, outdoors");
  expect_well_formed(c);
  EXPECT_EQ(c, "A smiling girl with blonde hair and red eyes is sitting outdoors, wearing a red dress and pink shoes.");
}

TEST(Caption, APortraitPost) {
  const std::string c = caption(
      "1girl, solo, long_hair, breasts, looking_at_viewer, blush, smile, open_mouth, blue_eyes, blonde_hair, shirt, "
      "large_breasts, long_sleeves, white_shirt, collarbone, upper_body, :d, simple_background, white_background");
  expect_well_formed(c);
  expect_contains(c, {"A blushing, smiling girl", "long blonde hair", "blue eyes", "large breasts",
                      "is looking at the viewer", "a white shirt", "long sleeves", "Upper-body view",
                      "against a simple white background"});  // two background tags, one phrase
}

TEST(Caption, ACharacterIsNamedWithHerSeries) {
  const std::string c = caption(
      "1girl, hatsune_miku, vocaloid, solo, very_long_hair, twintails, aqua_hair, aqua_eyes, detached_sleeves, "
      "necktie, skirt, thighhighs, looking_at_viewer, smile, highres, absurdres");
  expect_well_formed(c);
  expect_contains(c, {"Hatsune Miku from Vocaloid, a smiling girl with very long aqua hair", "aqua eyes",
                      "twintails", "detached sleeves", "a necktie", "thighhighs"});
  EXPECT_EQ(c.find("highres"), std::string::npos);
}

TEST(Caption, TwoGirlsTakePluralVerbsAndTheirFeaturesStayApart) {
  const std::string c = caption(
      "2girls, multiple_girls, long_hair, short_hair, black_hair, brown_hair, school_uniform, serafuku, "
      "pleated_skirt, holding_hands, blush, outdoors, cherry_blossoms, day");
  expect_well_formed(c);
  expect_contains(c, {"Two blushing girls are holding hands outdoors in the daytime", "wearing a school uniform",
                      "Their features include long hair, short hair, black hair and brown hair",
                      "cherry blossoms"});
  EXPECT_EQ(c.find("multiple"), std::string::npos);  // 2girls says it
  EXPECT_EQ(c.find("long black hair"), std::string::npos);  // who has which is unknown
}

TEST(Caption, MixedGroupsCountEachKind) {
  const std::string c = caption("3girls, 1boy, multiple_girls, smile, standing, beach, ocean, swimsuit");
  expect_well_formed(c);
  expect_contains(c, {"Three smiling girls and a boy are standing", "wearing a swimsuit", "a beach", "the sea"});
}

TEST(Caption, ABoyInASuit) {
  const std::string c = caption(
      "1boy, male_focus, solo, short_hair, black_hair, glasses, suit, necktie, looking_at_viewer, closed_mouth, "
      "portrait, grey_background");
  expect_well_formed(c);
  expect_contains(c, {"A boy with short black hair and a closed mouth", "wearing a suit, glasses and a necktie",
                      "Portrait, against a grey background"});
  EXPECT_EQ(c.find("a glasses"), std::string::npos);
}

TEST(Caption, ALandscapeWithoutPeople) {
  const std::string c = caption("no_humans, scenery, sky, cloud, tree, grass, outdoors, sunset, building");
  expect_well_formed(c);
  expect_contains(c, {"An outdoor scene with a landscape, a sky, clouds, trees, grass, a sunset and buildings"});
  EXPECT_EQ(c.find("girl"), std::string::npos);
}

TEST(Caption, ARefinedSubjectAndHeldThings) {
  const std::string c = caption(
      "1girl, solo, cat_ears, tail, long_hair, white_hair, blue_eyes, maid, maid_headdress, apron, holding_tray, "
      "holding_umbrella, standing, indoors");
  expect_well_formed(c);
  expect_contains(c, {"A girl with long white hair, blue eyes, cat ears and a tail, who is also a maid,", "holding a tray",
                      "holding an umbrella", "indoors", "wearing a maid headdress and an apron"});
}

TEST(Caption, RefinersNameTheSubjectOnlyWhenTheyFitIt) {
  // "cat girl" names one girl; "maid" follows; "siblings" cannot be one girl; "muscular man" is no girl.
  std::string c = caption("1girl, solo, cat_girl, maid, siblings, bara, smile");
  expect_well_formed(c);
  EXPECT_EQ(c, "A smiling cat girl, who is also a maid.");
  c = caption("2girls, sisters, maid, standing");
  expect_well_formed(c);
  EXPECT_EQ(c, "Two girls, who are sisters, among them a maid, are standing.");
}

// More posts as they come, with the facts each caption must carry.
TEST(Caption, MorePostsCarryTheirFacts) {
  struct Case {
    std::string_view tags;
    std::vector<std::string_view> must;
  };
  const std::vector<Case> cases = {
      {"1girl, solo, long_hair, looking_at_viewer, blush, smile, blue_eyes, skirt, brown_hair, shirt, long_sleeves, "
       "school_uniform, standing, white_shirt, pleated_skirt, serafuku, sailor_collar, red_neckerchief",
       {"A blushing, smiling girl with long brown hair and blue eyes is standing and looking at the viewer",
        "a white shirt", "a pleated skirt", "a red neckerchief", "a sailor collar"}},
      {"1boy, solo, male_focus, black_hair, red_eyes, jacket, upper_body, looking_at_viewer, short_hair, closed_mouth, "
       "black_jacket, simple_background",
       {"A boy with short black hair, red eyes and a closed mouth", "a black jacket", "Upper-body view, against a simple background"}},
      {"2girls, multiple_girls, yuri, kiss, closed_eyes, blonde_hair, black_hair, hug, indoors",
       {"Two girls are kissing and hugging indoors", "Their features include blonde hair, black hair and closed eyes"}},
      {"1girl, solo, witch_hat, witch, broom, night, full_moon, black_dress, purple_hair, flying",
       {"A girl with purple hair, who is also a witch, is flying at night", "wearing a black dress and a witch hat",
        "a full moon", "a broom"}},
      {"1girl, solo, fox_ears, fox_tail, fox_girl, kimono, red_kimono, yellow_eyes, white_hair, seiza, tatami, indoors",
       {"A fox girl with white hair, yellow eyes, fox ears and a fox tail", "kneeling seiza-style indoors",
        "a red kimono", "tatami mats"}},
      {"3boys, multiple_boys, male_focus, smile, open_mouth, baseball_cap, outdoors, sky",
       {"Three smiling boys are outdoors, wearing a baseball cap", "Their features include an open mouth", "a sky"}},
      {"1girl, 1boy, hetero, couple, holding_hands, walking, scarf, coat, snow",
       {"A girl and a boy, who are a couple, are holding hands and walking", "a scarf", "a coat", "snow"}},
      {"no_humans, food, fruit, cup, plate, table, indoors",
       {"A picture of food, fruit, a cup and a plate", "The scene shows a table"}},
  };
  for (const Case& k : cases) {
    const std::string c = caption(k.tags);
    expect_well_formed(c);
    for (auto m : k.must) EXPECT_NE(c.find(m), std::string::npos) << "missing \"" << m << "\" in: " << c;
  }
}

TEST(Caption, ContradictionsArePrunedFirst) {
  const std::string c = caption("1girl, multiple_girls, solo, smile");
  expect_well_formed(c);
  EXPECT_EQ(c, "A smiling girl.");
}

TEST(Caption, UnknownTagsAreAppendedOrDropped) {
  const std::string kept = caption("1girl, solo, my_oc_name, smile");
  expect_well_formed(kept);
  expect_contains(kept, {"Also: my oc name."});
  CaptionOptions drop;
  drop.keep_unknown = false;
  EXPECT_EQ(caption("1girl, solo, my_oc_name, smile", drop), "A smiling girl.");
}

TEST(Caption, TriggerWordLeadsAndArtistIsOptional) {
  CaptionOptions opt;
  opt.trigger = "ohwx";
  const std::string c = caption("1girl, solo, smile, ilya_kuvshinov", opt);
  EXPECT_EQ(c.rfind("ohwx, a smiling girl", 0), 0u) << c;
  EXPECT_EQ(c.find("Art by"), std::string::npos);
  opt.artist = true;
  expect_contains(caption("1girl, solo, smile, ilya_kuvshinov", opt), {"Art by ilya kuvshinov."});
}

TEST(Caption, MediumAndObjectsGetTheirOwnSentences) {
  const std::string c = caption("monochrome, greyscale, 1girl, sketch, solo, short_hair, smile, flower, sword");
  expect_well_formed(c);
  expect_contains(c, {"A smiling girl with short hair.", "Also in the picture: a flower and a sword.",
                      "Style: monochrome, greyscale and sketch."});
}

TEST(Caption, EmptyAndMetaOnlyListsSayNothing) {
  EXPECT_EQ(caption(""), "");
  EXPECT_EQ(caption("highres, absurdres, translated, general"), "");
  CaptionOptions opt;
  opt.trigger = "ohwx";
  EXPECT_EQ(caption("", opt), "ohwx");
}

TEST(Caption, HundredsOfTagsStayWellFormed) {
  // Every general tag of the database's top 300, at once.
  std::vector<std::pair<uint64_t, std::string>> top;
  const TagDb& db = testing::shipped_db();
  for (TagId id = 0; id < db.size(); ++id) {
    if (db.category(id) == TagCategory::kGeneral) top.emplace_back(db.post_count(id), std::string(db.name(id)));
  }
  std::partial_sort(top.begin(), top.begin() + 300, top.end(), std::greater<>());
  std::string list;
  for (size_t i = 0; i < 300; ++i) list += top[i].second + ", ";
  const std::string c = caption(list);
  expect_well_formed(c);
  EXPECT_GT(c.size(), 1000u);
}

TEST(Caption, SameInputSameCaptionAndASeedOnlyReorders) {
  const std::string tags = "1girl, solo, long_hair, red_eyes, black_hair, red_dress, gloves, boots, hat, smile, "
                           "sitting, holding_sword, looking_at_viewer, outdoors, sky, cloud, tree, flower, upper_body";
  EXPECT_EQ(caption(tags), caption(tags));
  CaptionOptions seeded;
  seeded.seed = 12345;
  const std::string a = caption(tags), b = caption(tags, seeded);
  EXPECT_EQ(b, caption(tags, seeded));
  auto sorted_words = [](std::string s) {
    for (char& ch : s) {
      if (ch == ',' || ch == '.') ch = ' ';
    }
    std::istringstream in(s);
    std::vector<std::string> w;
    for (std::string x; in >> x;) {
      if (x != "and") w.push_back(x == "A" ? "a" : x);  // "and" moves with the list's end
    }
    std::sort(w.begin(), w.end());
    return w;
  };
  EXPECT_NE(a, b);
  EXPECT_EQ(sorted_words(a), sorted_words(b));
}

}  // namespace
}  // namespace tagforge
