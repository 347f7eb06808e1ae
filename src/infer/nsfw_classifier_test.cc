// The NSFW classifier (nsfwjs's MobileNetV2 "mid", converted to ONNX by
// scripts/fetch_nsfw.sh) against nsfwjs itself on TensorFlow.js, on real
// images: the same input tensor, the same probabilities.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "infer/nsfw_classifier.h"
#include "media/decode.h"
#include "media/resize_tf.h"
#include "media_fixtures.h"

namespace tagforge {
namespace {

namespace fs = std::filesystem;
const fs::path kMedia = TAGFORGE_TEST_MEDIA_DIR;
const fs::path kNsfw = TAGFORGE_NSFW_DIR;

TEST(ResizeTf, AlignCornersMapsCornerOntoCorner) {
  // 1 x 3 -> 1 x 5 (one channel): positions 0, 0.5, 1, 1.5, 2.
  const std::vector<float> in{0, 10, 20};
  EXPECT_EQ(resize_bilinear_align_corners(in, 1, 3, 1, 1, 5), (std::vector<float>{0, 5, 10, 15, 20}));
  // 2 x 2 -> 3 x 3: the centre is the mean of all four.
  const std::vector<float> sq{0, 4, 8, 12};
  EXPECT_FLOAT_EQ(resize_bilinear_align_corners(sq, 2, 2, 1, 3, 3)[4], 6.0f);
}

TEST(NsfwClassifier, AgreesWithNsfwjsOnRealImages) {
  ASSERT_TRUE(fs::exists(kNsfw / "model.onnx")) << "run scripts/fetch_nsfw.sh (scripts/setup.sh does)";
  auto profile = read_model_profile(kNsfw);
  ASSERT_TRUE(profile.ok()) << profile.error().to_string();
  RuntimeOptions runtime;
  runtime.intra_op_threads = 2;
  auto classifier = NsfwClassifier::open(*profile, runtime);
  ASSERT_TRUE(classifier.ok()) << classifier.error().to_string();

  const auto dir = testing::fresh_temp_dir("nsfwjs");
  const char* names[] = {"sylvie blue smile.png", "sylvie green normal.png", "bg club.jpg"};
  std::vector<Image8> images;
  std::string args = "'" + dir.string() + "'";
  for (size_t i = 0; i < std::size(names); ++i) {
    auto d = decode_image(kMedia / names[i]);
    ASSERT_TRUE(d.ok()) << "run scripts/fetch_test_media.sh";
    Image8 im = std::move(d->image);
    // As a PNG for pngjs; RGBA stays RGBA (both sides drop the alpha).
    cv::Mat m(im.height, im.width, im.channels == 4 ? CV_8UC4 : CV_8UC3, im.pixels.data()), bgr;
    cv::cvtColor(m, bgr, im.channels == 4 ? cv::COLOR_RGBA2BGRA : cv::COLOR_RGB2BGR);
    const fs::path png = dir / (std::to_string(i) + ".png");
    ASSERT_TRUE(cv::imwrite(png.string(), bgr));
    args.append(" '").append(png.string()).append("'");
    images.push_back(std::move(im));
  }
  const std::string cmd = "node '" + std::string(TAGFORGE_TEST_REFERENCE_DIR) + "/nsfwjs_reference.js' " + args +
                          " 2>/dev/null";
  FILE* pipe = popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  ASSERT_EQ(pclose(pipe), 0) << "node and scripts/fetch_test_reference.sh are needed: " << cmd;

  std::istringstream lines(out);
  std::string line;
  for (size_t i = 0; i < images.size(); ++i) {
    SCOPED_TRACE(names[i]);
    // The line nsfwjs printed for this image (a banner may precede the first).
    do {
      ASSERT_TRUE(std::getline(lines, line)) << out;
    } while (line.empty() || line[0] != '[');
    const auto theirs = nlohmann::json::parse(line).get<std::vector<float>>();
    ASSERT_EQ(theirs.size(), 5u);

    const std::vector<float> ours_in = nsfwjs_input(images[i], 224);
    const std::string their_in = testing::read_file(dir / (std::to_string(i) + ".f32"));
    ASSERT_EQ(their_in.size(), ours_in.size() * sizeof(float));
    float worst_in = 0;
    for (size_t k = 0; k < ours_in.size(); ++k) {
      float t;
      std::memcpy(&t, their_in.data() + k * 4, 4);
      worst_in = std::max(worst_in, std::abs(t - ours_in[k]));
    }
    EXPECT_LE(worst_in, 1e-6f);

    const auto t0 = std::chrono::steady_clock::now();
    auto scores = (*classifier)->classify(images[i]);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(scores.ok()) << scores.error().to_string();
    float worst = 0;
    for (size_t k = 0; k < 5; ++k) worst = std::max(worst, std::abs(scores->classes[k].second - theirs[k]));
    std::printf("nsfwjs  %-26s drawing %.4f hentai %.4f neutral %.4f porn %.4f sexy %.4f  |ours - nsfwjs| <= %.2g  "
                "%.0f ms\n",
                names[i], scores->classes[0].second, scores->classes[1].second, scores->classes[2].second,
                scores->classes[3].second, scores->classes[4].second, worst, ms);
    EXPECT_LT(worst, 1e-3f);
  }
  fs::remove_all(dir);
}

TEST(NsfwClassifier, OneScoreFromClassesAndRatings) {
  EXPECT_FLOAT_EQ(nsfw_from_classes({{"drawing", 0.5f}, {"hentai", 0.2f}, {"neutral", 0.1f}, {"porn", 0.1f},
                                     {"sexy", 0.1f}}),
                  0.35f);
  EXPECT_FALSE(nsfw_from_ratings({}).has_value());
  // WD ratings do not sum to 1: normalised first.
  EXPECT_FLOAT_EQ(*nsfw_from_ratings({{"general", 1.0f}, {"explicit", 1.0f}}), 0.5f);
  EXPECT_FLOAT_EQ(combined_nsfw(0.2f, 0.6f), 0.6f);
  EXPECT_FLOAT_EQ(combined_nsfw(0.2f, std::nullopt), 0.2f);
}

}  // namespace
}  // namespace tagforge
