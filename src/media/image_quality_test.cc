// Each quality measure pinned on synthetic patterns whose answer is known
// (the real pictures and their degraded copies: tests/e2e/quality_cli_test.cc).
#include <gtest/gtest.h>

#include <cstdint>

#include "media/decode.h"
#include "media/image_quality.h"
#include "picture_faults.h"

namespace tagforge {
namespace {

namespace fs = std::filesystem;
using testing::box_blurred;
using testing::on_black;

// Grey noise (a fixed generator): detail down to every pixel.
Image8 noise(int w, int h, int channels = 3, uint32_t seed = 7) {
  Image8 im{w, h, channels, std::vector<uint8_t>(size_t(w) * h * channels)};
  uint32_t s = seed;
  for (size_t i = 0; i < size_t(w) * h; ++i) {
    s = s * 1664525u + 1013904223u;
    const uint8_t v = uint8_t(40 + ((s >> 24) * 176 >> 8));  // 40-215, evenly
    for (int c = 0; c < channels; ++c) im.pixels[i * channels + c] = c == 3 ? 255 : v;
  }
  return im;
}

Image8 solid(int w, int h, uint8_t v) { return {w, h, 3, std::vector<uint8_t>(size_t(w) * h * 3, v)}; }

bool has_fault(const std::vector<std::string>& faults, std::string_view word) {
  for (const std::string& f : faults)
    if (f.rfind(word, 0) == 0) return true;
  return false;
}

TEST(ImageQuality, NoiseIsSharpWellExposedAndAtItsOwnScale) {
  const ImageQuality q = measure_quality(noise(600, 400));
  EXPECT_EQ(q.width, 600);
  EXPECT_EQ(q.height, 400);
  EXPECT_FALSE(q.bars.any());
  EXPECT_GT(q.sharpness, 1000);
  EXPECT_NEAR(q.luma_mean, 127.5, 3);
  EXPECT_GT(q.luma_spread, 40);
  EXPECT_EQ(q.clipped_dark + q.clipped_bright, 0);
  EXPECT_EQ(q.effective_scale, 1);
  EXPECT_GT(q.fine_detail, 1);
  EXPECT_TRUE(quality_faults(q, QualityGate{}).empty());
}

TEST(ImageQuality, BlurLowersSharpnessBelowTheGate) {
  const Image8 sharp = noise(512, 512);
  const ImageQuality a = measure_quality(sharp);
  const ImageQuality b = measure_quality(box_blurred(sharp, 1));
  const ImageQuality c = measure_quality(box_blurred(sharp, 4));
  EXPECT_GT(a.sharpness, b.sharpness);
  EXPECT_GT(b.sharpness, c.sharpness);
  EXPECT_LT(c.sharpness, QualityGate{}.min_sharpness);
  EXPECT_TRUE(has_fault(quality_faults(c, QualityGate{}), "blurry"));
}

TEST(ImageQuality, SharpnessIsMeasuredAtOneSizeWhateverThePixelSize) {
  // The same picture at two sizes, both above kSharpnessSide: about the same figure.
  const Image8 small = noise(256, 256);
  const ImageQuality a = measure_quality(resize_bicubic_like_pil(small, 1024, 1024));
  const ImageQuality b = measure_quality(resize_bicubic_like_pil(small, 2048, 2048));
  EXPECT_NEAR(a.sharpness, b.sharpness, 0.15 * a.sharpness);
}

TEST(ImageQuality, UpscalesAreToldByTheirEmptyFinestOctaves) {
  // A real picture (noise would not do: its every octave is as strong, unlike a picture's).
  auto decoded = decode_image(fs::path(TAGFORGE_TEST_MEDIA_DIR) / "bg club.jpg");
  ASSERT_TRUE(decoded.ok()) << "run scripts/fetch_test_media.sh";
  const Image8& im = decoded->image;  // 1280x720
  const ImageQuality own = measure_quality(im);
  EXPECT_EQ(own.effective_scale, 1);
  EXPECT_GT(own.fine_detail, 0.5);
  auto down_up = [&](int k) {
    return resize_bicubic_like_pil(resize_bicubic_like_pil(im, im.width / k, im.height / k), im.width, im.height);
  };
  const ImageQuality two = measure_quality(resize_bicubic_like_pil(im, im.width * 2, im.height * 2));
  const ImageQuality four = measure_quality(down_up(4));
  const ImageQuality eight = measure_quality(down_up(8));
  EXPECT_EQ(two.effective_scale, 2);
  EXPECT_EQ(four.effective_scale, 4);
  EXPECT_EQ(eight.effective_scale, 8);
  EXPECT_LT(two.fine_detail, 0.3);
  EXPECT_FALSE(has_fault(quality_faults(two, QualityGate{}), "upscaled"));  // the default allows 2x
  const auto faults = quality_faults(four, QualityGate{});
  ASSERT_TRUE(has_fault(faults, "upscaled"));
  EXPECT_NE(faults.back().find("about 4x from 320x180"), std::string::npos) << faults.back();
  EXPECT_FALSE(has_fault(faults, "blurry")) << "at 512 px it is still sharp: " << four.sharpness;
}

TEST(ImageQuality, LetterboxAndPillarboxBarsAreFoundAndLeftOutOfTheMeasures) {
  const Image8 picture = noise(400, 200);
  const ImageQuality letterbox = measure_quality(on_black(picture, 400, 300));
  EXPECT_EQ(letterbox.bars.top, 50);
  EXPECT_EQ(letterbox.bars.bottom, 50);
  EXPECT_EQ(letterbox.bars.left, 0);
  EXPECT_EQ(letterbox.picture_width(), 400);
  EXPECT_EQ(letterbox.picture_height(), 200);
  EXPECT_NEAR(letterbox.bar_share(), 1.0 / 3, 1e-3);
  // Inside the bars the picture measures as it does alone.
  EXPECT_NEAR(letterbox.sharpness, measure_quality(picture).sharpness, 1.0);
  EXPECT_TRUE(has_fault(quality_faults(letterbox, QualityGate{}), "letterboxed"));
  EXPECT_FALSE(has_fault(quality_faults(letterbox, QualityGate{}, /*bars_count=*/false), "letterboxed"));

  const ImageQuality pillarbox = measure_quality(on_black(noise(300, 400), 500, 400));
  EXPECT_EQ(pillarbox.bars.left, 100);
  EXPECT_EQ(pillarbox.bars.right, 100);
  EXPECT_EQ(pillarbox.bars.top, 0);
  EXPECT_EQ(pillarbox.picture_width(), 300);
}

TEST(ImageQuality, ADarkPictureIsDarkNotLetterboxed) {
  Image8 dark = solid(320, 320, 6);
  const ImageQuality q = measure_quality(dark);
  EXPECT_FALSE(q.bars.any());
  EXPECT_NEAR(q.luma_mean, 6, 0.5);
  const auto faults = quality_faults(q, QualityGate{});
  EXPECT_TRUE(has_fault(faults, "too dark"));
  EXPECT_TRUE(has_fault(faults, "flat"));
  EXPECT_FALSE(has_fault(faults, "letterboxed"));

  const ImageQuality black = measure_quality(solid(320, 320, 0));
  EXPECT_FLOAT_EQ(black.clipped_dark, 1);
  EXPECT_TRUE(has_fault(quality_faults(black, QualityGate{}), "clipped"));
  const ImageQuality white = measure_quality(solid(320, 320, 255));
  EXPECT_FLOAT_EQ(white.clipped_bright, 1);
  EXPECT_TRUE(has_fault(quality_faults(white, QualityGate{}), "too bright"));
}

TEST(ImageQuality, ATransparentCanvasIsNeitherBarsNorExposure) {
  // A sprite: noise in the middle of a transparent (black, alpha 0) canvas.
  Image8 sprite{400, 400, 4, std::vector<uint8_t>(size_t(400) * 400 * 4, 0)};
  const Image8 body = noise(200, 300, 4);
  for (int y = 0; y < 300; ++y)
    for (int x = 0; x < 200; ++x)
      for (int k = 0; k < 4; ++k)
        sprite.pixels[(size_t(50 + y) * 400 + 100 + x) * 4 + k] = body.pixels[(size_t(y) * 200 + x) * 4 + k];
  const ImageQuality q = measure_quality(sprite);
  EXPECT_FALSE(q.bars.any());  // transparent shows white, as the models see it
  EXPECT_NEAR(q.luma_mean, 127.5, 3);  // the opaque pixels only
  EXPECT_EQ(q.clipped_dark + q.clipped_bright, 0);
  EXPECT_TRUE(quality_faults(q, QualityGate{}).empty());
}

TEST(ImageQuality, SmallPicturesAndLimitsSetToZero) {
  const ImageQuality q = measure_quality(noise(200, 120));
  const auto faults = quality_faults(q, QualityGate{});
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0], "small (short side 120 px < 256)");
  QualityGate off{};
  off.min_side = 0;
  EXPECT_TRUE(quality_faults(q, off).empty());
  // Every limit off: nothing fails, not even a black picture.
  const QualityGate none{0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_TRUE(quality_faults(measure_quality(solid(10, 10, 0)), none).empty());
}

TEST(ImageQuality, TinyAndOddSizesDoNotBreakTheMeasures) {
  for (auto [w, h] : {std::pair{1, 1}, {2, 7}, {3, 3}, {65, 17}, {17, 900}, {1025, 3}}) {
    SCOPED_TRACE(::testing::Message() << w << "x" << h);
    const ImageQuality q = measure_quality(noise(w, h, 1));
    EXPECT_EQ(q.width, w);
    EXPECT_GE(q.sharpness, 0);
    EXPECT_GE(q.effective_scale, 1);
    EXPECT_LE(q.bars.top + q.bars.bottom, h);
  }
}

}  // namespace
}  // namespace tagforge
