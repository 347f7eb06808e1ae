// Colour naming and dominant colours: typical anime hair colours, shading,
// highlights, background bleeding in, and a real sprite's hair.
#include <gtest/gtest.h>

#include <random>

#include "media/decode.h"
#include "vision/colour.h"

namespace tagforge {
namespace {

struct Reference {
  uint8_t r, g, b;
  ColourName name;
};

// Hair colours as anime art draws them.
const Reference kReferences[] = {
    {30, 30, 35, ColourName::kBlack},     {40, 35, 60, ColourName::kBlack},     {50, 40, 40, ColourName::kBlack},
    {128, 128, 128, ColourName::kGrey},   {100, 100, 110, ColourName::kGrey},   {192, 192, 200, ColourName::kSilver},
    {170, 175, 185, ColourName::kSilver}, {245, 245, 250, ColourName::kWhite},  {235, 235, 240, ColourName::kWhite},
    {250, 230, 140, ColourName::kBlonde}, {240, 210, 110, ColourName::kBlonde}, {220, 190, 100, ColourName::kBlonde},
    {255, 240, 180, ColourName::kBlonde}, {110, 70, 40, ColourName::kBrown},    {150, 100, 60, ColourName::kBrown},
    {90, 60, 40, ColourName::kBrown},     {190, 140, 100, ColourName::kBrown},  {240, 130, 40, ColourName::kOrange},
    {230, 110, 30, ColourName::kOrange},  {250, 150, 60, ColourName::kOrange},  {200, 30, 40, ColourName::kRed},
    {160, 20, 30, ColourName::kRed},      {220, 60, 60, ColourName::kRed},      {250, 170, 200, ColourName::kPink},
    {240, 140, 180, ColourName::kPink},   {230, 120, 160, ColourName::kPink},   {140, 80, 180, ColourName::kPurple},
    {110, 60, 150, ColourName::kPurple},  {170, 120, 210, ColourName::kPurple}, {60, 90, 200, ColourName::kBlue},
    {40, 60, 150, ColourName::kBlue},     {100, 150, 230, ColourName::kBlue},   {30, 50, 110, ColourName::kBlue},
    {60, 200, 210, ColourName::kAqua},    {57, 197, 187, ColourName::kAqua},    {40, 160, 170, ColourName::kAqua},
    {70, 170, 70, ColourName::kGreen},    {40, 120, 50, ColourName::kGreen},    {120, 200, 100, ColourName::kGreen},
};

TEST(Colour, NamesTypicalRegionColoursAsBooruTagsDo) {
  for (const Reference& r : kReferences) {
    SCOPED_TRACE(::testing::Message() << int(r.r) << "," << int(r.g) << "," << int(r.b));
    EXPECT_EQ(colour_word(name_colour(lab_from_srgb(r.r, r.g, r.b))), colour_word(r.name));
  }
  const Lab white = lab_from_srgb(255, 255, 255);
  EXPECT_NEAR(white.l, 100, 0.01);
  EXPECT_NEAR(white.chroma(), 0, 0.01);
  EXPECT_EQ(colour_from_word("gray"), ColourName::kGrey);
  EXPECT_EQ(colour_from_word("yellow"), ColourName::kBlonde);
  EXPECT_FALSE(colour_from_word("long").has_value());
  EXPECT_TRUE(colours_close(ColourName::kBlonde, ColourName::kOrange));
  EXPECT_FALSE(colours_close(ColourName::kBlonde, ColourName::kBlack));
  EXPECT_FALSE(colours_close(ColourName::kPink, ColourName::kGreen));
}

// A w x h region of `base` with a shading gradient (down to `dark` of its
// brightness), `highlights` of it white streaks, and `background` of it
// white background on the left.
Image8 hair_region(Reference base, float dark, float highlights, float background, int w = 120, int h = 80) {
  Image8 im{w, h, 3, std::vector<uint8_t>(size_t(w) * h * 3)};
  std::mt19937 rng(7);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &im.pixels[(size_t(y) * w + x) * 3];
      const float shade = 1.0f - (1.0f - dark) * float(y) / float(h - 1);
      uint8_t rgb[3] = {uint8_t(base.r * shade), uint8_t(base.g * shade), uint8_t(base.b * shade)};
      if (std::uniform_real_distribution<float>(0, 1)(rng) < highlights) rgb[0] = rgb[1] = rgb[2] = 250;
      if (x < int(background * w)) rgb[0] = rgb[1] = rgb[2] = 255;
      for (int c = 0; c < 3; ++c) p[c] = rgb[c];
    }
  }
  return im;
}

TEST(Colour, TheDominantColourResistsShadingHighlightsAndBackground) {
  const Reference blonde{245, 220, 130, ColourName::kBlonde}, black{35, 32, 40, ColourName::kBlack},
      pink{245, 160, 195, ColourName::kPink};
  for (const Reference& r : {blonde, black, pink}) {
    SCOPED_TRACE(colour_word(r.name));
    for (auto [dark, highlights, background] : {std::tuple{1.0f, 0.0f, 0.0f}, std::tuple{0.7f, 0.0f, 0.0f},
                                                std::tuple{0.75f, 0.12f, 0.0f}, std::tuple{0.8f, 0.05f, 0.3f}}) {
      SCOPED_TRACE(::testing::Message() << "dark " << dark << " highlights " << highlights << " bg " << background);
      const Image8 im = hair_region(r, dark, highlights, background);
      auto d = dominant_colour(im, nullptr, 0, 0, im.width, im.height);
      ASSERT_TRUE(d.has_value());
      EXPECT_EQ(colour_word(d->name), colour_word(r.name));
    }
  }
  // A plain mean of half white background and half black hair is grey; the dominant colour is not.
  const Image8 half = hair_region(black, 1.0f, 0.0f, 0.45f);
  auto d = dominant_colour(half, nullptr, 0, 0, half.width, half.height);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->name, ColourName::kBlack);
  EXPECT_GT(d->share, 0.5f);
  // A mask keeps the background out even when it is most of the box.
  const Image8 mostly_bg = hair_region(pink, 0.9f, 0.0f, 0.7f);
  Image8 mask{mostly_bg.width, mostly_bg.height, 1, std::vector<uint8_t>(size_t(mostly_bg.width) * mostly_bg.height)};
  for (int y = 0; y < mask.height; ++y) {
    for (int x = int(0.7f * mask.width) + 1; x < mask.width; ++x) mask.pixels[size_t(y) * mask.width + x] = 255;
  }
  auto masked = dominant_colour(mostly_bg, &mask, 0, 0, mask.width, mask.height);
  ASSERT_TRUE(masked.has_value());
  EXPECT_EQ(masked->name, ColourName::kPink);
  EXPECT_FALSE(dominant_colour(mostly_bg, &mask, 0, 0, 3, 3).has_value());  // too few pixels
}

TEST(Colour, SylviesHairIsBrown) {
  // The renpy-thequestion sprite: light brown hair with shading and highlights, the
  // background transparent; the top band of the figure is hair.
  auto sprite = decode_image(std::filesystem::path(TAGFORGE_TEST_MEDIA_DIR) / "sylvie blue normal.png");
  ASSERT_TRUE(sprite.ok()) << "run scripts/fetch_test_media.sh";
  auto d = dominant_colour(sprite->image, nullptr, 0, 0, sprite->image.width, 120);
  ASSERT_TRUE(d.has_value());
  std::printf("sylvie's hair: L %.1f a %.1f b %.1f -> %s (%.0f%% of %u pixels)\n", d->lab.l, d->lab.a, d->lab.b,
              std::string(colour_word(d->name)).c_str(), d->share * 100, d->pixels);
  EXPECT_EQ(d->name, ColourName::kBrown);
}

}  // namespace
}  // namespace tagforge
