// require_segments and crop_position over real (tiny) detectors: what is
// asked of a model that is not configured is a configuration error, and on
// frames the test detector "bright_face" finds a face only when they are
// bright, so frames are screened and cropped as the model sees them.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "pipeline/frame_inspector.h"
#include "test_clips.h"
#include "test_models.h"

namespace tagforge {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<Detector> open_detector(const std::string& name) {
  auto profile = read_model_profile(testing::test_models_dir() / name);
  EXPECT_TRUE(profile.ok()) << profile.error().to_string();
  auto det = Detector::open(*profile, {});
  EXPECT_TRUE(det.ok()) << det.error().to_string();
  return std::shared_ptr<Detector>(std::move(*det));
}

Image8 flat(int w, int h, uint8_t level) { return Image8{w, h, 3, std::vector<uint8_t>(size_t(w) * h * 3, level)}; }

std::string error_of(const FrameInspectorSettings& s, std::vector<std::shared_ptr<Detector>> detectors = {}) {
  auto made = make_frame_inspector(s, std::move(detectors), nullptr);
  return made.ok() ? std::string("ok") : made.error().message;
}

TEST(FrameInspector, AskingWhatNoConfiguredModelGivesIsAConfigurationError) {
  FrameInspectorSettings s;
  auto none = make_frame_inspector(s, {}, nullptr);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*none);  // nothing asked: no inspector, nothing runs

  s.require_segments = {"face"};
  EXPECT_EQ(error_of(s), "require_segments lists \"face\", but no configured detector finds \"face\" "
                         "(detectors: none; segmenter: none)");
  s.require_segments = {"face", "hand"};
  EXPECT_EQ(error_of(s, {open_detector("bright_face")}),
            "require_segments lists \"hand\", but no configured detector finds \"hand\" "
            "(detectors: bright_face (face); segmenter: none)");
  s.require_segments = {};
  s.crop_position = "heads";
  EXPECT_EQ(error_of(s, {open_detector("bright_face")}),
            "crop_position is \"heads\", but no configured detector finds \"head\" "
            "(detectors: bright_face (face); segmenter: none)");
  s.crop_position = "subjects";
  EXPECT_EQ(error_of(s), "\"subject\" needs a segmenter, and none is configured (detectors: none; segmenter: none)");
  s.crop_position = "feet";
  EXPECT_EQ(error_of(s), "crop_position \"feet\" is none of face, head, person, torso, subject");
}

TEST(FrameInspector, ScreensAndCropsAsTheDetectorSees) {
  FrameInspectorSettings s;
  s.require_segments = {"face"};
  s.crop_position = "faces";
  auto inspect = make_frame_inspector(s, {open_detector("bright_face"), open_detector("detector")}, nullptr);
  ASSERT_TRUE(inspect.ok()) << inspect.error().to_string();
  auto white = (*inspect)(flat(160, 120, 255));
  ASSERT_TRUE(white.ok()) << white.error().to_string();
  EXPECT_EQ(white->missing, "");
  // The face box: centre (0.5, 0.25), 0.25 x 0.25 of the frame = x 60..100, y 15..45;
  // 15% margin each side, whole pixels.
  ASSERT_TRUE(white->crop.has_value());
  EXPECT_EQ(*white->crop, (Box{54, 10, 106, 50}));
  auto black = (*inspect)(flat(160, 120, 0));
  ASSERT_TRUE(black.ok());
  EXPECT_EQ(black->missing, "face");

  s.require_segments = {};  // a crop alone: a frame with nothing to crop to is left out
  auto crop_only = make_frame_inspector(s, {open_detector("bright_face")}, nullptr);
  ASSERT_TRUE(crop_only.ok());
  EXPECT_EQ((*crop_only)(flat(160, 120, 0))->missing, "nothing to crop to (faces)");
}

TEST(FrameInspector, ExtractKeepsOnlyFramesWithAFaceCroppedToIt) {
  FrameInspectorSettings s;
  s.require_segments = {"face"};
  s.crop_position = "face";
  auto inspect = make_frame_inspector(s, {open_detector("bright_face")}, nullptr);
  ASSERT_TRUE(inspect.ok());
  const fs::path out = fs::temp_directory_path() / "tagforge-inspector-extract";
  for (int minimum : {1, 2}) {  // decided at once, and in two passes
    SCOPED_TRACE(minimum);
    fs::remove_all(out);
    ExtractOptions opt;
    opt.vfps = 2;
    opt.selection.similarity_threshold = 0.92f;
    opt.selection.shift_sensitivity = 0.5f;
    opt.selection.minimum_frames = minimum;
    opt.inspector = *inspect;
    opt.gate.enabled = false;  // the clip is flat black, then flat white: the gate would take both for faults
    auto report = extract_frames(testing::test_clips_dir() / "blink.mp4", out, opt);
    ASSERT_TRUE(report.ok()) << report.error().to_string();
    // blink.mp4: black for a second, then white. The black slice has no face in any
    // frame: all ten are screened and pruned; the white one keeps frame 10 (and with
    // a minimum of 2 gives back its similar frame 15).
    ASSERT_EQ(report->slices.size(), 2u);
    EXPECT_TRUE(report->slices[0].kept.empty());
    ASSERT_EQ(report->slices[0].pruned.size(), 10u);
    EXPECT_EQ(report->slices[0].pruned[9].why, "missing: face");
    const std::vector<int64_t> kept = minimum == 1 ? std::vector<int64_t>{10} : std::vector<int64_t>{10, 15};
    EXPECT_EQ(report->slices[1].kept, kept);
    ASSERT_EQ(report->written.size(), size_t(minimum));
    for (const fs::path& file : report->written) {
      const cv::Mat frame = cv::imread(file.string());
      EXPECT_EQ(frame.cols, 52);
      EXPECT_EQ(frame.rows, 40);
      EXPECT_GT(cv::mean(frame)[0], 250);  // white: the face crop of a bright frame
    }
  }
  fs::remove_all(out);
}

}  // namespace
}  // namespace tagforge
