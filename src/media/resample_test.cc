// The resampler against Pillow itself: tests/reference/pil_resize.py draws
// pictures and resizes them with python3-pil; ours must give the same bytes
// (the issue asks for a mean difference under 1 of 255).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "media/resample.h"
#include "media_fixtures.h"

namespace tagforge {
namespace {

TEST(Resample, MatchesPillowBicubicByteForByte) {
  const auto dir = testing::fresh_temp_dir("resample-pil");
  const std::string cmd = std::string("/usr/bin/python3 ") + TAGFORGE_TEST_REFERENCE_DIR + "/pil_resize.py " + dir.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "python3-pil is needed (scripts/setup.sh installs it): " << cmd;
  std::ifstream cases(dir / "cases.txt");
  std::string name;
  int w, h, c, ow, oh, count = 0;
  while (cases >> name >> w >> h >> c >> ow >> oh) {
    SCOPED_TRACE(name);
    Image8 in{w, h, c, {}};
    const std::string src = testing::read_file(dir / (name + ".src"));
    const std::string ref = testing::read_file(dir / (name + ".pil"));
    ASSERT_EQ(src.size(), static_cast<size_t>(w) * h * c);
    ASSERT_EQ(ref.size(), static_cast<size_t>(ow) * oh * c);
    in.pixels.assign(src.begin(), src.end());
    const Image8 out = resize_bicubic_like_pil(in, ow, oh);
    ASSERT_EQ(out.width, ow);
    ASSERT_EQ(out.height, oh);
    ASSERT_EQ(out.pixels.size(), ref.size());
    double sum = 0;
    int worst = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      const int d = std::abs(static_cast<int>(out.pixels[i]) - static_cast<uint8_t>(ref[i]));
      sum += d;
      worst = std::max(worst, d);
    }
    const double mad = sum / static_cast<double>(ref.size());
    EXPECT_LT(mad, 1.0);
    EXPECT_EQ(worst, 0) << "mean difference " << mad;  // the same arithmetic gives the same bytes
    ++count;
  }
  EXPECT_EQ(count, 8);
  std::filesystem::remove_all(dir);
}

TEST(Resample, ShrinkingAntialiasesWhereNaiveCubicWouldAlias) {
  // One-pixel stripes, shrunk 4x: the widened filter averages them to grey.
  Image8 in{64, 4, 1, {}};
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 64; ++x) in.pixels.push_back(x % 2 ? 255 : 0);
  }
  const Image8 out = resize_bicubic_like_pil(in, 16, 4);
  for (size_t i = 1; i + 1 < 16; ++i) EXPECT_NEAR(out.pixels[i], 128, 2) << i;
}

}  // namespace
}  // namespace tagforge
