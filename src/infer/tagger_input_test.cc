// Tagger inputs against the WD v3 tagger's own preparation, run by
// python3-pil (tests/reference/wd_input.py).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "infer/tagger_input.h"
#include "media_fixtures.h"

namespace tagforge {
namespace {

TEST(TaggerInput, WdPreparationMatchesTheTaggersOwnPython) {
  const auto dir = testing::fresh_temp_dir("wd-input");
  const std::string cmd = std::string("/usr/bin/python3 ") + TAGFORGE_TEST_REFERENCE_DIR + "/wd_input.py " + dir.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "python3-pil is needed (scripts/setup.sh installs it): " << cmd;
  std::ifstream cases(dir / "cases.txt");
  std::string name;
  int w, h, c, size, count = 0;
  while (cases >> name >> w >> h >> c >> size) {
    SCOPED_TRACE(name);
    const std::string src = testing::read_file(dir / (name + ".src"));
    const std::string ref = testing::read_file(dir / (name + ".wd"));
    ASSERT_EQ(ref.size(), static_cast<size_t>(size) * size * 3);
    Image8 in{w, h, c, std::vector<uint8_t>(src.begin(), src.end())};
    std::vector<float> tensor;
    append_tagger_input(in, wd_v3_input(size), tensor);
    ASSERT_EQ(tensor.size(), ref.size());
    size_t differ = 0;
    for (size_t i = 0; i < ref.size(); i += 3) {
      // NHWC, BGR, 0-255: the tensor holds the reference's bytes reversed per pixel.
      for (size_t k = 0; k < 3; ++k) differ += tensor[i + k] != static_cast<float>(static_cast<uint8_t>(ref[i + 2 - k]));
    }
    EXPECT_EQ(differ, 0u);
    ++count;
  }
  EXPECT_EQ(count, 4);
  std::filesystem::remove_all(dir);
}

TEST(TaggerInput, JoyTagIsRgbNchwNormalisedWithClipStatistics) {
  // A 2x1 image: pure red, then white; padded into a 2x2 white square, no resize.
  Image8 in{2, 1, 3, {255, 0, 0, 255, 255, 255}};
  std::vector<float> t;
  append_tagger_input(in, joytag_input(2), t);
  ASSERT_EQ(t.size(), 12u);
  const auto spec = joytag_input(2);
  auto norm = [&](int channel, float byte) { return (byte / 255.0f - spec.mean[channel]) / spec.std[channel]; };
  // Row 0 is padding (pad_top = (2 - 1) / 2 = 0 puts the image on row 0, padding on row 1).
  EXPECT_FLOAT_EQ(t[0 * 4 + 0], norm(0, 255));  // R plane, red pixel
  EXPECT_FLOAT_EQ(t[1 * 4 + 0], norm(1, 0));    // G plane
  EXPECT_FLOAT_EQ(t[2 * 4 + 0], norm(2, 0));    // B plane
  EXPECT_FLOAT_EQ(t[1 * 4 + 3], norm(1, 255));  // G plane, white padding
}

}  // namespace
}  // namespace tagforge
