// Frame selection: fps caps, slices, scene cuts, similarity pruning and the
// minimum and maximum per slice, on synthetic features and a real clip.
#include <gtest/gtest.h>

#include <functional>
#include <optional>

#include "media/frame_selection.h"
#include "media/video_reader.h"
#include "test_clips.h"

namespace tagforge {
namespace {

// A frame whose grey signature is all `level`.
FrameFeatures flat(uint8_t level) {
  FrameFeatures f;
  f.grey.fill(level);
  f.width = f.height = 1;
  f.hsv = {0, 0, level};
  return f;
}

std::vector<Slice> run(const SelectionSettings& s, int frames, double fps, double duration,
                       const std::function<uint8_t(int)>& level) {
  FrameSelector sel(s, duration);
  for (int i = 0; i < frames; ++i) {
    const double t = i / fps;
    const FrameFeatures f = flat(level(i));
    sel.add(i, t, sel.wants_features(t) ? &f : nullptr);
  }
  return sel.finish(frames / fps);
}

TEST(FrameSelection, TheFpsCapKeepsAtMostThatManyFramesASecond) {
  SelectionSettings s;
  s.fps = 10;
  const auto slices = run(s, 60, 30.0, 2.0, [](int i) { return uint8_t(i * 4); });
  ASSERT_EQ(slices.size(), 1u);
  ASSERT_EQ(slices[0].kept.size(), 20u);
  for (size_t k = 0; k < 20; ++k) EXPECT_EQ(slices[0].kept[k], int64_t(k * 3));
  EXPECT_EQ(slices[0].pruned.size(), 40u);
  EXPECT_EQ(slices[0].pruned[0].why, "over the fps cap");
  // A 7 fps cap on 30 fps: gaps of 5 frames (1/6 s >= 1/7 s), never closer.
  s.fps = 7;
  const auto seven = run(s, 60, 30.0, 2.0, [](int i) { return uint8_t(i * 4); });
  for (size_t k = 1; k < seven[0].kept.size(); ++k) EXPECT_GE(seven[0].kept[k] - seven[0].kept[k - 1], 5);
}

TEST(FrameSelection, AScreenedOutFrameLetsTheNextStandInForIt) {
  SelectionSettings s;
  s.fps = 2;  // at 10 fps: a candidate every 5 frames
  FrameSelector sel(s, 2.0);
  std::vector<int64_t> screened;
  for (int i = 0; i < 20; ++i) {
    const double t = i / 10.0;
    const FrameFeatures f = flat(uint8_t(i * 10));
    if (!sel.admit(i, t, &f)) continue;
    screened.push_back(i);
    if (i < 7) sel.reject(i, t, "missing: face");  // no face until frame 7
    else sel.accept(i, t, &f);
  }
  const auto slices = sel.finish(2.0);
  // 0..6 are each screened (a rejected frame does not start the cap's interval),
  // then 7 is kept and the cap resumes from it: 12, 17.
  EXPECT_EQ(screened, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 12, 17}));
  EXPECT_EQ(slices[0].kept, (std::vector<int64_t>{7, 12, 17}));
  ASSERT_EQ(slices[0].pruned.size(), 17u);
  EXPECT_EQ(slices[0].pruned[0].why, "missing: face");
  EXPECT_EQ(slices[0].pruned[7].why, "over the fps cap");  // frame 8
}

TEST(FrameSelection, AWindowsLaterFrameStandsInWithoutMovingTheSamplingTimes) {
  // The caller's window (extract.cc): after each admitted frame it looks at
  // the next two and accepts the third of them (a sharper one, say). The fps
  // cap still counts from the admitted frame, so candidates stay every 5 frames.
  SelectionSettings s;
  s.fps = 2;
  FrameSelector sel(s, 2.0);
  std::vector<int64_t> admitted;
  std::optional<int64_t> window_start;
  for (int i = 0; i < 20; ++i) {
    const double t = i / 10.0;
    const FrameFeatures f = flat(uint8_t(i * 10));
    EXPECT_FALSE(sel.begin_frame(i, t, &f) && i > 0);  // no cut detection, no fixed slices: one slice
    if (window_start && i < *window_start + 3) {
      if (i == *window_start + 2) sel.accept(i, t, &f);
      else sel.reject(i, t, "less sharp");
      continue;
    }
    window_start.reset();
    if (!sel.admit(i, t, &f)) continue;
    admitted.push_back(i);
    window_start = i;
    sel.reject(i, t, "less sharp");
  }
  const auto slices = sel.finish(2.0);
  EXPECT_EQ(admitted, (std::vector<int64_t>{0, 5, 10, 15}));
  ASSERT_EQ(slices.size(), 1u);
  EXPECT_EQ(slices[0].kept, (std::vector<int64_t>{2, 7, 12, 17}));
}

TEST(FrameSelection, BeginFrameTellsOfACutBeforeTheSliceStarts) {
  SelectionSettings s;
  s.shift_sensitivity = 0.5f;
  FrameSelector sel(s, 2.0);
  for (int i = 0; i < 20; ++i) {
    const double t = i / 10.0;
    const FrameFeatures f = flat(i < 10 ? 20 : 230);
    const bool starts = sel.begin_frame(i, t, &f);
    EXPECT_EQ(starts, i == 0 || i == 10) << i;
    // Until admitted, the frame before the cut still belongs to the first slice.
    if (i == 10) EXPECT_EQ(sel.current_slice(), 0);
    ASSERT_TRUE(sel.admit(i, t, &f));
    sel.accept(i, t, &f);
    EXPECT_EQ(sel.current_slice(), i < 10 ? 0 : 1);
  }
  const auto slices = sel.finish(2.0);
  ASSERT_EQ(slices.size(), 2u);
  EXPECT_EQ(slices[1].kept.front(), 10);
}

TEST(FrameSelection, ForcedAndFixedSlicesEachStartAfresh) {
  SelectionSettings s;
  s.forced_slices = 3;
  s.fps = 2;
  const auto three = run(s, 30, 10.0, 3.0, [](int i) { return uint8_t(i * 8); });
  ASSERT_EQ(three.size(), 3u);
  EXPECT_EQ(three[1].started_by, "forced");
  EXPECT_NEAR(three[1].start, 1.0, 1e-9);
  EXPECT_EQ(three[1].kept, (std::vector<int64_t>{10, 15}));  // the cap restarts with the slice
  s.forced_slices = 0;
  s.slice_seconds = 1.5;
  const auto fixed = run(s, 30, 10.0, 3.0, [](int i) { return uint8_t(i * 8); });
  ASSERT_EQ(fixed.size(), 2u);
  EXPECT_EQ(fixed[1].kept.front(), 15);
}

TEST(FrameSelection, SimilarityPrunesAndTheMinimumBringsFramesBack) {
  SelectionSettings s;
  s.similarity_threshold = 0.95f;
  s.minimum_frames = 1;
  const auto still = run(s, 20, 10.0, 2.0, [](int) { return uint8_t(100); });
  ASSERT_EQ(still[0].kept, (std::vector<int64_t>{0}));
  EXPECT_EQ(still[0].pruned[0].why, "similar (1.000) to frame 0");
  // A static clip with minimum_frames 3: the two restored are the farthest in time.
  s.minimum_frames = 3;
  const auto three = run(s, 20, 10.0, 2.0, [](int) { return uint8_t(100); });
  ASSERT_EQ(three[0].kept.size(), 3u);
  EXPECT_EQ(three[0].kept[0], 0);
  EXPECT_TRUE(three[0].kept[1] == 9 || three[0].kept[1] == 10) << three[0].kept[1];  // the middle: a tie
  EXPECT_EQ(three[0].kept[2], 19);
  // Threshold 1: only identical frames go, a subtle animation stays.
  s.similarity_threshold = 1.0f;
  s.minimum_frames = 1;
  const auto subtle = run(s, 10, 10.0, 1.0, [](int i) { return uint8_t(100 + i % 2); });
  EXPECT_EQ(subtle[0].kept.size(), 10u);
}

TEST(FrameSelection, TheMaximumKeepsDistinctFramesSpreadOverTime) {
  SelectionSettings s;
  s.maximum_frames = 4;
  // Two looks alternating in runs of five: 0-4 dark, 5-9 light, 10-14 dark, 15-19 light.
  const auto slices = run(s, 20, 10.0, 2.0, [](int i) { return uint8_t((i / 5) % 2 ? 200 : 20); });
  ASSERT_EQ(slices[0].kept.size(), 4u);
  EXPECT_EQ(slices[0].kept.front(), 0);
  int light = 0;
  for (int64_t k : slices[0].kept) light += (k / 5) % 2;
  EXPECT_GE(light, 1);  // both looks are there
  EXPECT_EQ(slices[0].pruned.size(), 16u);
  EXPECT_EQ(slices[0].pruned[0].why, "over maximum_frames");
}

TEST(FrameSelection, DecidingAtOnceAgreesWithTheSliceEnd) {
  SelectionSettings s;
  s.fps = 12;
  s.similarity_threshold = 0.97f;
  s.slice_seconds = 1.0;
  FrameSelector sel(s, 3.0);
  ASSERT_TRUE(sel.decides_at_once());
  std::vector<int64_t> at_once;
  for (int i = 0; i < 90; ++i) {
    const double t = i / 30.0;
    const FrameFeatures f = flat(uint8_t((i / 7) * 9));  // runs of alike frames
    if (sel.add(i, t, &f)) at_once.push_back(i);
  }
  std::vector<int64_t> at_end;
  for (const Slice& sl : sel.finish(3.0)) at_end.insert(at_end.end(), sl.kept.begin(), sl.kept.end());
  EXPECT_EQ(at_once, at_end);
  EXPECT_GT(at_end.size(), 5u);
  s.minimum_frames = 2;
  EXPECT_FALSE(FrameSelector(s, 3.0).decides_at_once());
}

TEST(FrameSelection, ScenesOfARealClipBecomeSlices) {
  auto reader = VideoReader::open(testing::test_clips_dir() / "cuts.mp4");
  ASSERT_TRUE(reader.ok());
  SelectionSettings s;
  s.shift_sensitivity = 0.5f;
  s.fps = 2;
  FrameSelector sel(s, (*reader)->info().duration);
  int decoded = 0;
  double end = 0;
  while (true) {
    auto f = (*reader)->next(false);
    ASSERT_TRUE(f.ok());
    if (!f->has_value()) break;
    ++decoded;
    end = (*f)->time + 0.1;
    std::optional<FrameFeatures> features;
    if (sel.wants_features((*f)->time)) {
      auto t = (*reader)->thumbnail(64);
      ASSERT_TRUE(t.ok());
      features = frame_features(*t);
    }
    sel.add((*f)->index, (*f)->time, features ? &*features : nullptr);
  }
  const auto slices = sel.finish(end);
  EXPECT_EQ(decoded, 30);
  ASSERT_EQ(slices.size(), 3u);
  EXPECT_EQ(slices[1].kept.front(), 10);  // each scene starts a slice on its first frame
  EXPECT_EQ(slices[2].kept.front(), 20);
  EXPECT_EQ(slices[1].started_by.rfind("cut", 0), 0u);
  for (const Slice& sl : slices) EXPECT_EQ(sl.kept.size(), 2u);  // 1 s each at 2 fps
}

}  // namespace
}  // namespace tagforge
