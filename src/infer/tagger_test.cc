// Tag lists, thresholds and MCut, and whole taggers on the generated WD v3
// and JoyTag models, whose outputs are known functions of the pixels.
#include <gtest/gtest.h>

#include <cmath>

#include "infer/tag_labels.h"
#include "infer/tag_selection.h"
#include "infer/tagger.h"
#include "media_fixtures.h"
#include "test_models.h"

namespace tagforge {
namespace {

namespace fs = std::filesystem;

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

TEST(TagLabels, ReadsWdCsvByHeaderWithQuotesAndCategories) {
  auto labels = parse_wd_labels(
      "tag_id,name,category,count\r\n9999999,general,9,1\r\n1,\"a,b\",0,5\r\n2,hatsune_miku,4,3\r\n3,artist_x,1,2\r\n",
      "t.csv");
  ASSERT_TRUE(labels.ok()) << labels.error().to_string();
  ASSERT_EQ(labels->size(), 4u);
  EXPECT_EQ(labels->names[1], "a,b");
  EXPECT_EQ(labels->categories[0], LabelCategory::kRating);
  EXPECT_EQ(labels->categories[1], LabelCategory::kGeneral);
  EXPECT_EQ(labels->categories[2], LabelCategory::kCharacter);
  EXPECT_EQ(labels->categories[3], LabelCategory::kOther);

  auto no_header = parse_wd_labels("1,a,0,5\n", "t.csv");
  ASSERT_FALSE(no_header.ok());
  EXPECT_EQ(no_header.error().path, fs::path("t.csv"));
  auto bad_cat = parse_wd_labels("tag_id,name,category,count\n1,a,zero,5\n", "t.csv");
  ASSERT_FALSE(bad_cat.ok());
  EXPECT_NE(bad_cat.error().message.find("line 2"), std::string::npos) << bad_cat.error().message;
  auto no_name = parse_wd_labels("tag_id,name,category,count\n1,,0,5\n", "t.csv");
  EXPECT_FALSE(no_name.ok());

  auto joy = parse_joytag_labels("1girl\nsolo\r\nlong hair\n", "top_tags.txt");
  ASSERT_TRUE(joy.ok());
  EXPECT_EQ(joy->names, (std::vector<std::string>{"1girl", "solo", "long hair"}));
  EXPECT_FALSE(parse_joytag_labels("", "top_tags.txt").ok());
}

TEST(TagSelection, McutSplitsAtTheWidestGap) {
  EXPECT_FLOAT_EQ(mcut_threshold({0.2f, 0.9f, 0.3f, 0.8f}), 0.55f);
  EXPECT_FLOAT_EQ(mcut_threshold({0.9f, 0.1f}), 0.5f);
  // Two equal gaps: the first (highest) one, as numpy's argmax.
  EXPECT_FLOAT_EQ(mcut_threshold({1.0f, 0.5f, 0.0f}), 0.75f);
  EXPECT_EQ(mcut_threshold({0.5f}), 0.0f);
}

TEST(TagSelection, ThresholdsMcutAndTheCharacterFloor) {
  TagLabels labels{{"general", "explicit", "smile", "hat", "dog", "miku", "rin"},
                   {LabelCategory::kRating, LabelCategory::kRating, LabelCategory::kGeneral, LabelCategory::kGeneral,
                    LabelCategory::kGeneral, LabelCategory::kCharacter, LabelCategory::kCharacter}};
  const std::vector<float> p{0.7f, 0.1f, 0.9f, 0.36f, 0.34f, 0.86f, 0.12f};
  ModelProfile profile;
  TagPrediction got = select_tags(labels, p, profile);
  ASSERT_EQ(got.rating.size(), 2u);
  EXPECT_EQ(got.rating[0].name, "general");  // every rating, highest first
  ASSERT_EQ(got.general.size(), 2u);
  EXPECT_EQ(got.general[0].name, "smile");
  EXPECT_EQ(got.general[1].name, "hat");  // 0.36 > 0.35; dog at 0.34 is out
  ASSERT_EQ(got.character.size(), 1u);
  EXPECT_EQ(got.character[0].name, "miku");

  profile.general_mcut = true;  // general: 0.9 | 0.36, 0.34 -> threshold 0.63
  profile.character_mcut = true;  // 0.86 | 0.12 -> 0.49, above the 0.15 floor
  got = select_tags(labels, p, profile);
  ASSERT_EQ(got.general.size(), 1u);
  EXPECT_EQ(got.general[0].name, "smile");
  ASSERT_EQ(got.character.size(), 1u);

  const std::vector<float> low{0.7f, 0.1f, 0.9f, 0.36f, 0.34f, 0.14f, 0.02f};
  got = select_tags(labels, low, profile);  // mcut 0.08 is under the floor 0.15: no character
  EXPECT_TRUE(got.character.empty());
}

// A w x h image of one colour with a white square in its corner.
Image8 test_image(int w, int h, uint8_t r, uint8_t g, uint8_t b) {
  Image8 im{w, h, 3, std::vector<uint8_t>(size_t(w) * h * 3)};
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* px = &im.pixels[(size_t(y) * w + x) * 3];
      const bool corner = x < w / 4 && y < h / 4;
      px[0] = corner ? 255 : r;
      px[1] = corner ? 255 : g;
      px[2] = corner ? 255 : b;
    }
  }
  return im;
}

// Channel means / 255 of one prepared image, in tensor order.
std::array<double, 3> channel_means(std::span<const float> t, bool nhwc, size_t pixels) {
  std::array<double, 3> m{0, 0, 0};
  for (size_t i = 0; i < pixels; ++i) {
    for (size_t c = 0; c < 3; ++c) m[c] += nhwc ? t[i * 3 + c] : t[c * pixels + i];
  }
  for (double& v : m) v /= double(pixels);
  return m;
}

TEST(Tagger, WdV3TagsFollowThePixelsThroughPreparationAndTheModel) {
  auto profile = read_model_profile(testing::test_models_dir() / "wd_v3");
  ASSERT_TRUE(profile.ok());
  auto tagger = Tagger::open(*profile, RuntimeOptions{1});
  ASSERT_TRUE(tagger.ok()) << tagger.error().to_string();
  Tagger& t = **tagger;
  EXPECT_EQ(t.profile().input.size, 448);  // from the model's input shape

  const Image8 red = test_image(300, 200, 230, 10, 20);    // wide: white bands above and below
  const Image8 green = test_image(120, 260, 0, 255, 0);    // tall
  std::vector<float> batch;
  t.prepare(red, batch);
  t.prepare(green, batch);
  ASSERT_EQ(batch.size(), 2 * t.floats_per_image());
  auto probs = t.probabilities(batch, 2);
  ASSERT_TRUE(probs.ok()) << probs.error().to_string();
  const size_t pixels = 448 * 448, n = t.labels().size();
  for (int img = 0; img < 2; ++img) {
    auto m = channel_means(std::span(batch).subspan(img * t.floats_per_image(), t.floats_per_image()), true, pixels);
    for (double& v : m) v /= 255.0;  // B, G, R
    const float* p = &(*probs)[size_t(img) * n];
    EXPECT_NEAR(p[4], sigmoid(float(-4 * m[0] - 4 * m[1] + 8 * m[2] - 2)), 2e-3);  // red_theme (ORT sums in float)
    EXPECT_NEAR(p[5], sigmoid(float(-4 * m[0] + 8 * m[1] - 4 * m[2] - 2)), 2e-3);  // green_theme
    EXPECT_NEAR(p[9], sigmoid(float(-6 * m[0] + 12 * m[1] - 6 * m[2] - 3)), 2e-3);  // hatsune_miku
  }

  auto tags = t.run(batch, 2);
  ASSERT_TRUE(tags.ok());
  auto names = [](const std::vector<TagScore>& v) {
    std::vector<std::string> out;
    for (const auto& s : v) out.push_back(s.name);
    return out;
  };
  EXPECT_EQ((*tags)[0].rating.size(), 4u);
  EXPECT_EQ((*tags)[0].rating[0].name, "general");
  EXPECT_EQ(names((*tags)[0].general), (std::vector<std::string>{"red_theme", "simple_background"}));
  EXPECT_EQ(names((*tags)[0].character), (std::vector<std::string>{"kaname_madoka"}));
  EXPECT_EQ(names((*tags)[1].general), (std::vector<std::string>{"green_theme", "simple_background"}));
  EXPECT_EQ(names((*tags)[1].character), (std::vector<std::string>{"hatsune_miku"}));

  // Unloaded, the next run loads the model again and answers the same.
  t.unload();
  EXPECT_FALSE(t.loaded());
  auto again = t.probabilities(batch, 2);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *probs);
}

TEST(Tagger, JoyTagAppliesTheSigmoidToItsLogits) {
  auto profile = read_model_profile(testing::test_models_dir() / "joytag");
  ASSERT_TRUE(profile.ok());
  auto tagger = Tagger::open(*profile, {});
  ASSERT_TRUE(tagger.ok()) << tagger.error().to_string();
  Tagger& t = **tagger;
  std::vector<float> batch;
  t.prepare(test_image(200, 200, 20, 30, 240), batch);
  auto probs = t.probabilities(batch, 1);
  ASSERT_TRUE(probs.ok());
  auto m = channel_means(batch, false, 448 * 448);  // R, G, B of the normalised tensor
  EXPECT_NEAR((*probs)[2], sigmoid(float(-m[0] - m[1] + 2 * m[2] - 1)), 1e-4);  // blue_theme
  EXPECT_NEAR((*probs)[4], 0.5f, 1e-6);                                        // solo: logit 0
  auto tags = t.run(batch, 1);
  ASSERT_TRUE(tags.ok());
  ASSERT_FALSE((*tags)[0].general.empty());
  EXPECT_EQ((*tags)[0].general[0].name, "blue_theme");
  EXPECT_TRUE((*tags)[0].rating.empty());
}

TEST(Tagger, LabelsThatDoNotMatchTheOutputsAreAnError) {
  const auto dir = testing::fresh_temp_dir("tagger-mismatch");
  fs::copy_file(testing::test_models_dir() / "wd_v3" / "model.onnx", dir / "model.onnx");
  testing::write_file(dir / "selected_tags.csv", "tag_id,name,category,count\n1,a,0,1\n2,b,0,1\n");
  auto profile = read_model_profile(dir);
  ASSERT_TRUE(profile.ok());
  auto tagger = Tagger::open(*profile, {});
  ASSERT_FALSE(tagger.ok());
  EXPECT_NE(tagger.error().message.find("for the 2 tags"), std::string::npos) << tagger.error().message;
  EXPECT_EQ(tagger.error().path, dir / "model.onnx");

  auto det = read_model_profile(testing::test_models_dir() / "detector");
  ASSERT_TRUE(det.ok());
  EXPECT_FALSE(Tagger::open(*det, {}).ok());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tagforge
