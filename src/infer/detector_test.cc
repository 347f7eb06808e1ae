// YOLO metadata, decoding and NMS, and a whole detector on the generated
// YOLOv8-shaped model, whose boxes are fixed fractions of its input.
#include <gtest/gtest.h>

#include "infer/detector.h"
#include "infer/yolo_decode.h"
#include "infer/yolo_metadata.h"
#include "test_models.h"

namespace tagforge {
namespace {

TEST(YoloMetadata, ReadsUltralyticsNamesAndImgsz) {
  EXPECT_EQ(parse_yolo_names("{0: 'face'}"), (std::vector<std::string>{"face"}));
  EXPECT_EQ(parse_yolo_names("{1: 'head', 0: \"face\"}"), (std::vector<std::string>{"face", "head"}));
  EXPECT_EQ(parse_yolo_names("{\"0\": \"it's\", \"1\": 'a\\'b'}"), (std::vector<std::string>{"it's", "a'b"}));
  EXPECT_FALSE(parse_yolo_names("{0: 'a', 2: 'c'}"));  // a gap
  EXPECT_FALSE(parse_yolo_names("{0: 'a', 0: 'b'}"));  // twice
  EXPECT_FALSE(parse_yolo_names("{0: 'a'"));
  EXPECT_FALSE(parse_yolo_names("{}"));
  EXPECT_FALSE(parse_yolo_names("['face']"));
  EXPECT_EQ(parse_yolo_imgsz("[640, 640]"), 640);
  EXPECT_EQ(parse_yolo_imgsz("[384, 640]"), 640);
  EXPECT_EQ(parse_yolo_imgsz("1024"), 1024);
  EXPECT_FALSE(parse_yolo_imgsz("[640,"));
  EXPECT_FALSE(parse_yolo_imgsz("[-1]"));
  EXPECT_FALSE(parse_yolo_imgsz("big"));
}

TEST(YoloDecode, NmsKeepsTheBestOfOverlappingBoxesWhateverTheClass) {
  const std::vector<Box> boxes{{0, 0, 10, 10}, {1, 1, 11, 11}, {20, 20, 30, 30}, {0, 0, 10, 10}};
  const std::vector<float> scores{0.5f, 0.9f, 0.4f, 0.1f};
  EXPECT_EQ(non_max_suppression(boxes, scores, 0.5f), (std::vector<size_t>{1, 2}));
  EXPECT_EQ(non_max_suppression(boxes, scores, 0.99f), (std::vector<size_t>{1, 0, 2}));  // 0 and 3 are equal: IoU 1
}

TEST(YoloDecode, V8RowsAreScaledToTheImageAndClipped) {
  // Two classes, three candidates, laid out [1, 6, 3] (row-major: each row is one field for every candidate).
  const std::vector<float> out{
      50, 10, 95,     // cx
      40, 10, 50,     // cy
      20, 4, 30,      // w
      20, 4, 20,      // h
      0.9f, 0.1f, 0.2f,  // class 0
      0.1f, 0.2f, 0.6f,  // class 1
  };
  const int64_t shape[] = {1, 6, 3};
  YoloDecodeOptions opt{0.25f, 0.7f, 100, 100, 1000, 500};
  auto found = decode_yolo(out, shape, {"face", "hand"}, opt);
  ASSERT_EQ(found.size(), 2u);  // the second is under the confidence
  EXPECT_EQ(found[0].label, "face");
  EXPECT_FLOAT_EQ(found[0].score, 0.9f);
  EXPECT_EQ(found[0].box, (Box{400, 150, 600, 250}));
  EXPECT_EQ(found[1].label, "hand");
  EXPECT_EQ(found[1].box, (Box{800, 200, 1000, 300}));  // x1 = 110/100 * 1000 clipped to 1000
}

TEST(YoloDecode, V10RowsNeedNoNms) {
  const std::vector<float> out{10, 10, 20, 20, 0.8f, 1, 11, 11, 21, 21, 0.7f, 0, 0, 0, 5, 5, 0.1f, 0};
  const int64_t shape[] = {1, 3, 6};
  auto found = decode_yolo(out, shape, {"face", "head"}, YoloDecodeOptions{0.25f, 0.7f, 100, 100, 100, 100});
  ASSERT_EQ(found.size(), 2u);  // overlapping, but a v10 model has already suppressed what it meant to
  EXPECT_EQ(found[0].label, "head");
  EXPECT_EQ(found[1].label, "face");
  const int64_t odd[] = {1, 3, 5};
  EXPECT_TRUE(decode_yolo(out, odd, {"face", "head"}, {}).empty());
}

TEST(Detector, InputSizeFollowsImgutils) {
  EXPECT_EQ(detector_input_size(1280, 720, 640, 0, 0), (std::pair{640, 384}));  // 360 -> 384
  EXPECT_EQ(detector_input_size(300, 200, 640, 0, 0), (std::pair{320, 224}));  // never enlarged; aligned up
  EXPECT_EQ(detector_input_size(1280, 720, 640, 640, 640), (std::pair{640, 640}));
  EXPECT_EQ(default_detector_thresholds({"head"}), (std::pair{0.4f, 0.7f}));
  EXPECT_EQ(default_detector_thresholds({"person"}), (std::pair{0.3f, 0.5f}));
  EXPECT_EQ(default_detector_thresholds({"hand"}), (std::pair{0.35f, 0.7f}));
  EXPECT_EQ(default_detector_thresholds({"face"}), (std::pair{0.25f, 0.7f}));
}

TEST(Detector, FindsTheGeneratedModelsBoxesOnTheImage) {
  auto profile = read_model_profile(testing::test_models_dir() / "detector");
  ASSERT_TRUE(profile.ok());
  auto det = Detector::open(*profile, {});
  ASSERT_TRUE(det.ok()) << det.error().to_string();
  EXPECT_EQ((*det)->names(), (std::vector<std::string>{"person", "face", "hand"}));
  // A 1280x720 image: the tensor is 640x384; the boxes come back in image pixels.
  Image8 image{1280, 720, 3, std::vector<uint8_t>(1280 * 720 * 3, 90)};
  auto found = (*det)->detect(image, 1280, 720);
  ASSERT_TRUE(found.ok()) << found.error().to_string();
  ASSERT_EQ(found->size(), 3u);  // the duplicate face is suppressed, the faint hand filtered
  EXPECT_EQ((*found)[0].label, "person");
  EXPECT_EQ((*found)[0].model, "detector");
  EXPECT_FLOAT_EQ((*found)[0].score, 0.9f);
  EXPECT_EQ((*found)[0].box, (Box{128, 36, 1152, 684}));  // (0.5 -+ 0.4) * 1280, (0.5 -+ 0.45) * 720
  EXPECT_EQ((*found)[1].label, "face");
  EXPECT_EQ((*found)[1].box, (Box{512, 90, 768, 198}));
  EXPECT_EQ((*found)[2].label, "hand");

  // The same image decoded at half size gives the same boxes: they are in full-image pixels.
  Image8 half{640, 360, 3, std::vector<uint8_t>(640 * 360 * 3, 90)};
  auto again = (*det)->detect(half, 1280, 720);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 3u);
  EXPECT_EQ((*again)[1].box, (*found)[1].box);

  (*det)->set_thresholds(0.5f, std::nullopt);
  auto strict = (*det)->detect(image, 1280, 720);
  ASSERT_TRUE(strict.ok());
  EXPECT_EQ(strict->size(), 2u);  // the hand at 0.4 is out
}

}  // namespace
}  // namespace tagforge
