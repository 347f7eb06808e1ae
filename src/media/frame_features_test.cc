// Similarity, content change and scene cuts on clips with known content
// (tests/reference/make_clips.py).
#include <gtest/gtest.h>

#include "media/frame_features.h"
#include "media/video_reader.h"
#include "test_clips.h"

namespace tagforge {
namespace {

namespace fs = std::filesystem;

std::vector<FrameFeatures> features_of(const fs::path& file) {
  std::vector<FrameFeatures> out;
  auto r = VideoReader::open(file);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  if (!r.ok()) return out;
  while (true) {
    auto f = (*r)->next(false);
    if (!f.ok() || !f->has_value()) break;
    auto t = (*r)->thumbnail(64);
    EXPECT_TRUE(t.ok());
    out.push_back(frame_features(*t));
  }
  return out;
}

TEST(FrameFeatures, CutsAreFoundOnTheFrameAndMotionIsNot) {
  const fs::path& clips = testing::test_clips_dir();
  const auto f = features_of(clips / "cuts.mp4");
  ASSERT_EQ(f.size(), 30u);
  for (float sensitivity : {0.3f, 0.5f, 0.8f}) {
    SCOPED_TRACE(sensitivity);
    ShiftDetector detector(sensitivity);
    std::vector<size_t> cuts;
    for (size_t i = 1; i < f.size(); ++i) {
      if (detector.is_cut(content_change(f[i - 1], f[i]))) cuts.push_back(i);
    }
    EXPECT_EQ(cuts, (std::vector<size_t>{10, 20}));
  }
  // Within a scene the frames are alike; across a cut they are not.
  EXPECT_GT(frame_similarity(f[3], f[4]), 0.9f);
  EXPECT_LT(frame_similarity(f[9], f[10]), 0.8f);

  const auto still = features_of(clips / "static.mp4");
  ASSERT_EQ(still.size(), 10u);
  ShiftDetector detector(1.0f);
  for (size_t i = 1; i < still.size(); ++i) {
    EXPECT_GE(frame_similarity(still[i - 1], still[i]), 0.99f);
    EXPECT_FALSE(detector.is_cut(content_change(still[i - 1], still[i])));
  }
}

TEST(FrameFeatures, SensitivityMapsToThresholdsAsDocumented) {
  ShiftDetector half(0.5f);
  EXPECT_FLOAT_EQ(half.floor(), 28.0f);
  EXPECT_FLOAT_EQ(half.ratio(), 4.5f);
  // A steady busy clip (change 30 each frame) has no cuts; a jump to 200 is one.
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(half.is_cut(30.0f)) << i;
  EXPECT_TRUE(half.is_cut(200.0f));
  EXPECT_FALSE(half.is_cut(30.0f));
  // Identical thumbnails: similarity 1, change 0.
  Image8 a{8, 8, 3, std::vector<uint8_t>(8 * 8 * 3, 20)};
  const FrameFeatures fa = frame_features(a);
  EXPECT_FLOAT_EQ(frame_similarity(fa, fa), 1.0f);
  EXPECT_FLOAT_EQ(content_change(fa, fa), 0.0f);
  Image8 b = a;
  for (auto& v : b.pixels) v = 255 - v;
  EXPECT_NEAR(frame_similarity(fa, frame_features(b)), 1.0f - 215.0f / 255.0f, 1e-6);  // 20 against 235
}

}  // namespace
}  // namespace tagforge
