// Hair regions, hair colour and count checks against tags.
#include <gtest/gtest.h>

#include "pipeline/tag_checks.h"
#include "vision/part_regions.h"

namespace tagforge {
namespace {

Aseg scene(std::vector<Detection> d, int w = 200, int h = 200) { return make_aseg(w, h, std::move(d)); }

// 200x200: a white background, a pink head (40..160 x 20..140) with a skin-coloured face in it.
Image8 portrait(uint8_t r, uint8_t g, uint8_t b) {
  Image8 im{200, 200, 3, std::vector<uint8_t>(200 * 200 * 3, 255)};
  for (int y = 20; y < 140; ++y) {
    for (int x = 40; x < 160; ++x) {
      uint8_t* p = &im.pixels[(size_t(y) * 200 + x) * 3];
      const bool face = x >= 70 && x < 130 && y >= 60 && y < 130;
      p[0] = face ? 250 : r, p[1] = face ? 220 : g, p[2] = face ? 200 : b;
    }
  }
  return im;
}

DominantColour measured(ColourName name, float share = 0.8f) {
  DominantColour d;
  d.name = name;
  d.share = share;
  return d;
}

TEST(HairRegion, IsTheHeadWithoutTheFaceOrTheTopOfTheSubject) {
  const Aseg a = scene({{"m", "head", 0.9f, {40, 20, 160, 140}}, {"m", "face", 0.8f, {70, 60, 130, 130}}});
  auto r = hair_region(a, nullptr);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->source, "head minus face");
  EXPECT_EQ(r->mask.pixels[size_t(30) * 200 + 50], 255);   // hair
  EXPECT_EQ(r->mask.pixels[size_t(100) * 200 + 100], 0);   // face
  EXPECT_EQ(r->mask.pixels[size_t(150) * 200 + 100], 0);   // below the head
  EXPECT_EQ(std::tuple(r->x0, r->y0, r->x1, r->y1), std::tuple(40, 20, 160, 140));

  auto hair = measure_hair(portrait(245, 160, 195), a, nullptr);
  ASSERT_TRUE(hair.has_value());
  EXPECT_EQ(hair->colour.name, ColourName::kPink);

  // No head: the top fifth of the subject mask.
  Image8 subject{200, 200, 1, std::vector<uint8_t>(200 * 200, 0)};
  for (int y = 50; y < 200; ++y) {
    for (int x = 60; x < 140; ++x) subject.pixels[size_t(y) * 200 + x] = 255;
  }
  auto top = hair_region(scene({}), &subject);
  ASSERT_TRUE(top.has_value());
  EXPECT_EQ(top->source, "top of the subject");
  EXPECT_EQ(std::tuple(top->x0, top->y0, top->x1, top->y1), std::tuple(60, 50, 140, 80));
  EXPECT_FALSE(hair_region(scene({}), nullptr).has_value());
}

TEST(TagChecks, RegionColourAgreesIsCloseOrIsFlaggedOrReplaced) {
  const Aseg none = scene({});
  const RegionColour brown{measured(ColourName::kBrown), "head minus face"};
  const std::vector<std::string> tags{"1girl", "solo", "blonde_hair", "long_hair"};

  auto report = check_tags_against_pixels({"1girl", "brown_hair"}, none, brown, FixPolicy::kFlag);
  ASSERT_EQ(report.checks.size(), 1u);
  EXPECT_EQ(report.checks[0].verdict, "agrees");
  EXPECT_FALSE(report.changed);

  auto close = check_tags_against_pixels({"orange_hair"}, none, brown, FixPolicy::kReplace);
  EXPECT_EQ(close.checks[0].verdict, "close");
  EXPECT_FALSE(close.changed);

  auto black = RegionColour{measured(ColourName::kPink), "head minus face"};
  auto flagged = check_tags_against_pixels(tags, none, black, FixPolicy::kFlag);
  EXPECT_EQ(flagged.checks[0].tag, "blonde_hair");
  EXPECT_EQ(flagged.checks[0].verdict, "contradicts");
  EXPECT_EQ(flagged.checks[0].action, "flagged");
  EXPECT_EQ(flagged.tags.back(), "needs_review");
  EXPECT_NE(flagged.checks[0].measured.find("pink"), std::string::npos);

  auto replaced = check_tags_against_pixels(tags, none, black, FixPolicy::kReplace);
  EXPECT_EQ(replaced.checks[0].action, "replaced by pink_hair");
  EXPECT_EQ(replaced.tags, (std::vector<std::string>{"1girl", "solo", "pink_hair", "long_hair"}));

  auto only_report = check_tags_against_pixels(tags, none, black, FixPolicy::kNone);
  EXPECT_EQ(only_report.checks[0].action, "none");
  EXPECT_FALSE(only_report.changed);

  auto mixed = check_tags_against_pixels({"blonde_hair", "multicolored_hair"}, none, black, FixPolicy::kReplace);
  EXPECT_EQ(mixed.checks[0].verdict, "unchecked: several colours");
  EXPECT_FALSE(mixed.changed);
  auto unsure = check_tags_against_pixels(tags, none, RegionColour{measured(ColourName::kPink, 0.2f), "x"},
                                          FixPolicy::kReplace);
  EXPECT_EQ(unsure.checks[0].verdict, "unsure");
  auto untagged = check_tags_against_pixels({"1girl"}, none, brown, FixPolicy::kReplace);
  EXPECT_EQ(untagged.checks[0].verdict, "untagged");
  EXPECT_TRUE(check_tags_against_pixels(tags, none, std::nullopt, FixPolicy::kFlag).checks.empty());
}

TEST(TagChecks, EyeColourFromEyeBoxes) {
  // Two blue-eyed boxes on a skin-coloured face; the tag says red.
  Image8 im{200, 100, 3, std::vector<uint8_t>(200 * 100 * 3, 230)};
  for (int y = 40; y < 60; ++y) {
    for (int x : {50, 130}) {
      for (int dx = 0; dx < 20; ++dx) {
        uint8_t* p = &im.pixels[(size_t(y) * 200 + x + dx) * 3];
        p[0] = 50, p[1] = 90, p[2] = 210;
      }
    }
  }
  const Aseg a = scene({{"e", "eye", 0.9f, {45, 35, 75, 65}}, {"e", "eye", 0.9f, {125, 35, 155, 65}}}, 200, 100);
  auto eyes = measure_eyes(im, a);
  ASSERT_TRUE(eyes.has_value());
  EXPECT_EQ(eyes->colour.name, ColourName::kBlue);
  auto out = check_tags_against_pixels({"1girl", "red_eyes"}, a, std::nullopt, FixPolicy::kReplace, "needs_review", eyes);
  ASSERT_EQ(out.checks.size(), 1u);
  EXPECT_EQ(out.checks[0].what, "eye_colour");
  EXPECT_EQ(out.checks[0].action, "replaced by blue_eyes");
  EXPECT_EQ(out.tags, (std::vector<std::string>{"1girl", "blue_eyes"}));
  // Yellow eyes are the hue hair calls blonde.
  const RegionColour yellow{measured(ColourName::kBlonde), "eye boxes"};
  EXPECT_EQ(check_tags_against_pixels({"yellow_eyes"}, a, std::nullopt, FixPolicy::kFlag, "needs_review", yellow)
                .checks[0].verdict, "agrees");
  EXPECT_EQ(check_tags_against_pixels({"green_eyes"}, a, std::nullopt, FixPolicy::kReplace, "needs_review", yellow)
                .tags[0], "yellow_eyes");
  EXPECT_FALSE(measure_eyes(im, scene({}, 200, 100)).has_value());
}

TEST(TagChecks, CountsAgainstPersonsOrFaces) {
  const Aseg two = scene({{"p", "person", 0.9f, {0, 0, 90, 200}}, {"p", "person", 0.8f, {100, 0, 200, 200}},
                          {"p", "person", 0.3f, {0, 0, 10, 10}}});  // a weak third does not count
  auto solo = check_tags_against_pixels({"1girl", "solo"}, two, std::nullopt, FixPolicy::kFlag);
  ASSERT_EQ(solo.checks.size(), 1u);
  EXPECT_EQ(solo.checks[0].what, "count");
  EXPECT_EQ(solo.checks[0].measured, "2 persons");
  EXPECT_EQ(solo.checks[0].verdict, "contradicts");
  EXPECT_EQ(solo.checks[0].action, "flagged");
  EXPECT_TRUE(solo.changed);

  auto pair = check_tags_against_pixels({"1girl", "1boy"}, two, std::nullopt, FixPolicy::kReplace);
  EXPECT_EQ(pair.checks[0].verdict, "agrees");
  EXPECT_FALSE(pair.changed);
  EXPECT_EQ(check_tags_against_pixels({"multiple_girls"}, two, std::nullopt, FixPolicy::kFlag).checks[0].verdict,
            "agrees");

  const Aseg faces = scene({{"f", "face", 0.9f, {0, 0, 20, 20}}});
  EXPECT_EQ(check_tags_against_pixels({"2girls"}, faces, std::nullopt, FixPolicy::kNone).checks[0].measured,
            "1 faces or heads");
  // Nothing to count with, or no count tag: no check.
  EXPECT_TRUE(check_tags_against_pixels({"1girl"}, scene({}), std::nullopt, FixPolicy::kFlag).checks.empty());
  EXPECT_TRUE(check_tags_against_pixels({"smile"}, two, std::nullopt, FixPolicy::kFlag).checks.empty());
}

}  // namespace
}  // namespace tagforge
