// The scorer: each metric on captions that are right, incomplete, wrong.
#include <gtest/gtest.h>

#include "shipped_data.h"
#include "tagforge/score.h"

namespace tagforge {
namespace {

TagList tags_of(std::string_view text) {
  TagList list = parse_tag_list(text, testing::shipped_db());
  EXPECT_TRUE(prune_tags(list, testing::shipped_db(), testing::shipped_rules(), PruneOptions{}).ok());
  return list;
}

CaptionScore score(std::string_view caption, std::string_view tags, const Detections* det = nullptr) {
  return score_caption(caption, tags_of(tags), testing::shipped_db(), testing::shipped_lexicon(), ScoreOptions{}, det);
}

bool contains(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

constexpr std::string_view kTags = "1girl, solo, blonde_hair, red_eyes, red_dress, pink_footwear, smile, sitting, outdoors";

TEST(Score, TheDeterministicCaptionScoresAtTheCap) {
  const std::string c = caption_from_tags(tags_of(kTags), testing::shipped_db(), testing::shipped_lexicon(), {});
  const CaptionScore s = score(c, kTags);
  EXPECT_DOUBLE_EQ(s.tag_inclusion, 1.0);
  EXPECT_GT(s.english_similarity, 0.95);
  EXPECT_TRUE(s.missing.empty());
  EXPECT_TRUE(s.contradicted.empty());
  EXPECT_FALSE(s.segmentation.has_value());  // no detections: skipped, not zero
  EXPECT_DOUBLE_EQ(s.overall, 0.95);         // automatic scores stop at the cap
  EXPECT_EQ(s.quality_tags, (std::vector<std::string>{"auto_best_caption", "accuracy_90"}));
  EXPECT_FALSE(s.flagged);
}

TEST(Score, AFluentParaphraseWithSynonymsAndPluralsStillCounts) {
  const CaptionScore s = score(
      "A cheerful blond girl in a red dress and pink shoes smiles while she sits outside; her eyes are red.", kTags);
  EXPECT_GE(s.tag_inclusion, 0.85) << ::testing::PrintToString(s.missing);
  EXPECT_TRUE(s.contradicted.empty()) << ::testing::PrintToString(s.contradicted);
}

TEST(Score, MissingFactsAreListedByTag) {
  const CaptionScore s = score("A girl in a red dress.", kTags);
  EXPECT_LT(s.tag_inclusion, 0.5);
  EXPECT_TRUE(contains(s.missing, "blonde_hair"));
  EXPECT_TRUE(contains(s.missing, "outdoors"));
  EXPECT_FALSE(contains(s.missing, "red_dress"));
  EXPECT_FALSE(contains(s.missing, "1girl"));
}

TEST(Score, ContradictedCountsColoursLengthsAndPlaces) {
  auto s = score("Two girls sit together.", "1girl, solo, sitting");
  ASSERT_EQ(s.contradicted.size(), 1u);
  EXPECT_NE(s.contradicted[0].find("girl"), std::string::npos);
  s = score("A girl sits alone.", "2girls, sitting");
  EXPECT_EQ(s.contradicted.size(), 1u);
  s = score("A girl in a pink dress with blonde hair.", "1girl, red_dress, blonde_hair");
  ASSERT_EQ(s.contradicted.size(), 1u);
  EXPECT_NE(s.contradicted[0].find("red_dress"), std::string::npos);
  s = score("A girl with short hair, indoors.", "1girl, long_hair, outdoors");
  EXPECT_EQ(s.contradicted.size(), 2u);
  // Each noun takes its own count: "two girls and a boy" has one boy.
  s = score("Two girls and a boy stand together.", "2girls, 1boy, standing");
  EXPECT_TRUE(s.contradicted.empty()) << ::testing::PrintToString(s.contradicted);
  // "light blue" is blue; spiky hair is still long hair.
  s = score("A girl with long spiky light blue hair.", "1girl, light_blue_hair, long_hair, spiked_hair");
  EXPECT_TRUE(s.contradicted.empty()) << ::testing::PrintToString(s.contradicted);
  EXPECT_TRUE(s.missing.empty()) << ::testing::PrintToString(s.missing);
  // Two colours the tags both give are no contradiction.
  s = score("A girl with black and red hair.", "1girl, black_hair, red_hair, multicolored_hair");
  EXPECT_TRUE(s.contradicted.empty()) << ::testing::PrintToString(s.contradicted);
}

TEST(Score, ContradictionsCostSimilarity) {
  const double right = score("A girl in a red dress.", "1girl, red_dress").english_similarity;
  const double wrong = score("A girl in a blue dress.", "1girl, red_dress").english_similarity;
  EXPECT_LT(wrong, right - 0.2);
}

TEST(Score, InventedDetailsLowerSimilarityAndAreListed) {
  const double plain = score("A girl in a red dress.", "1girl, red_dress").english_similarity;
  const CaptionScore invented =
      score("A girl in a red dress rides a dragon over a burning castle under three moons.", "1girl, red_dress");
  EXPECT_LT(invented.english_similarity, plain - 0.2);
  for (const char* w : {"dragon", "castle", "moon"}) EXPECT_TRUE(contains(invented.extra, w)) << w;
  EXPECT_FALSE(contains(invented.extra, "dress"));
}

TEST(Score, SegmentationCountsPeopleAndPartsWhenDetectorsRan) {
  Detections det;
  det.persons = 1;
  det.faces = 1;
  det.parts = {"hand"};
  auto s = score("A girl raises a hand.", "1girl, hand_up", &det);
  ASSERT_TRUE(s.segmentation.has_value());
  EXPECT_DOUBLE_EQ(*s.segmentation, 1.0);
  det.persons = 3;
  s = score("A girl raises a hand.", "1girl, hand_up", &det);
  EXPECT_LT(*s.segmentation, 0.8);
}

TEST(Score, NonEnglishAndEmptyCaptionsScoreLowWithoutCrashing) {
  auto s = score("金髪の少女が赤いドレスを着て座っている。", kTags);
  EXPECT_LT(s.overall, 0.2);
  EXPECT_TRUE(s.flagged);
  EXPECT_EQ(s.quality_tags[0], "auto_worst_caption");
  s = score("", kTags);
  EXPECT_DOUBLE_EQ(s.tag_inclusion, 0.0);
  s = score("A girl.", "");
  EXPECT_DOUBLE_EQ(s.tag_inclusion, 1.0);  // nothing was required
}

TEST(Score, QualityBands) {
  EXPECT_EQ(quality_tags_for(0.95), (std::vector<std::string>{"auto_best_caption", "accuracy_90"}));
  EXPECT_EQ(quality_tags_for(0.80), (std::vector<std::string>{"auto_good_caption", "accuracy_80"}));
  EXPECT_EQ(quality_tags_for(0.61), (std::vector<std::string>{"auto_okay_caption", "accuracy_60"}));
  EXPECT_EQ(quality_tags_for(0.45), (std::vector<std::string>{"auto_bad_caption", "accuracy_40"}));
  EXPECT_EQ(quality_tags_for(0.02), (std::vector<std::string>{"auto_worst_caption", "accuracy_10"}));
  EXPECT_EQ(approved_quality_tags(), (std::vector<std::string>{"auto_best_caption", "accuracy_90_up"}));
  EXPECT_TRUE(is_quality_tag("accuracy_90_up"));
  EXPECT_TRUE(is_quality_tag("auto_okay_caption"));
  EXPECT_FALSE(is_quality_tag("autumn_leaves"));

  auto bands = parse_quality_bands("keep=0.5, toss=0");
  ASSERT_TRUE(bands.ok());
  ScoreOptions opt;
  opt.bands = *bands;
  opt.accuracy_prefix = "";
  EXPECT_EQ(quality_tags_for(0.7, opt), (std::vector<std::string>{"keep"}));
  EXPECT_EQ(quality_tags_for(0.2, opt), (std::vector<std::string>{"toss"}));
  EXPECT_TRUE(is_quality_tag("keep", opt));
  EXPECT_FALSE(parse_quality_bands("keep").ok());
  EXPECT_FALSE(parse_quality_bands("keep=2").ok());
  EXPECT_FALSE(parse_quality_bands("=0.5").ok());
  EXPECT_FALSE(parse_quality_bands("").ok());
}

}  // namespace
}  // namespace tagforge
