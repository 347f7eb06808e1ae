// The frame gate's pieces (frame_quality.h): a slice's running median, one
// figure per sampling interval, and the faults it names.
#include <gtest/gtest.h>

#include "media/frame_quality.h"

namespace tagforge {
namespace {

TEST(FrameQuality, TheMedianTakesTheSharpestFrameOfEachInterval) {
  SliceSharpness s(0.5);
  EXPECT_EQ(s.median(), 0);
  s.add(0.0, 100);
  s.add(0.1, 300);  // the same interval: its sharpest counts, once
  EXPECT_EQ(s.median(), 300);
  // A blurred stretch measured frame after frame adds one figure per interval, not one per frame.
  for (int i = 0; i < 25; ++i) s.add(0.5 + i * 0.04, 5);  // intervals 1 and 2
  s.add(1.5, 200);
  s.add(2.0, 250);
  // {300, 5, 5, 200, 250}: the median is 200, not a blurred frame's 5.
  EXPECT_EQ(s.median(), 200);
  s.add(2.5, 260);  // six figures: the mean of the middle two
  EXPECT_FLOAT_EQ(s.median(), 225);
}

TEST(FrameQuality, WithoutACapEveryFigureCounts) {
  SliceSharpness s(0);
  for (float v : {1.0f, 2.0f, 3.0f, 50.0f, 60.0f}) s.add(0, v);
  EXPECT_EQ(s.median(), 3);
}

TEST(FrameQuality, BlurIsJudgedAgainstTheSliceAndExposureAgainstTheLimits) {
  FrameGateSettings gate;
  ImageQuality q;
  q.width = 640;
  q.height = 360;
  q.luma_mean = 120;
  EXPECT_TRUE(frame_faults(40, 100, q, gate).empty());
  auto blurry = frame_faults(20, 100, q, gate);
  ASSERT_EQ(blurry.size(), 1u);
  EXPECT_EQ(blurry[0], "blurry (sharpness 20.0 < 0.3 x the slice's median 100.0)");
  // A flat slice (median 0) calls nothing blurry.
  EXPECT_TRUE(frame_faults(0, 0, q, gate).empty());
  q.luma_mean = 3;
  auto dark = frame_faults(40, 100, q, gate);
  ASSERT_EQ(dark.size(), 1u);
  EXPECT_EQ(dark[0], "too dark (mean luma 3.0 < 16)");
  q.luma_mean = 250;
  EXPECT_EQ(frame_faults(40, 100, q, gate).at(0), "too bright (mean luma 250.0 > 240)");
  gate.max_luma_mean = 0;  // off
  gate.min_relative_sharpness = 0;
  EXPECT_TRUE(frame_faults(0, 100, q, gate).empty());
}

TEST(FrameQuality, ThePictureBoxLeavesTheBarsOut) {
  ImageQuality q;
  q.width = 640;
  q.height = 360;
  q.bars.top = 48;
  q.bars.bottom = 47;
  q.bars.left = 2;
  const Box b = picture_box(q);
  EXPECT_EQ(b, (Box{2, 48, 640, 313}));
  EXPECT_EQ(picture_box(ImageQuality{.width = 10, .height = 20}), (Box{0, 0, 10, 20}));
}

}  // namespace
}  // namespace tagforge
