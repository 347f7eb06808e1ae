// The .aseg format: ownership of parts, and exact round trips.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "vision/aseg.h"
#include "vision/box_mask.h"

namespace tagforge {
namespace {

std::vector<Detection> scene() {
  return {
      {"face_model", "face", 0.85f, {512, 90, 768, 198}},
      {"person_model", "person", 0.6f, {900, 0, 1280, 720}},
      {"person_model", "person", 0.9f, {128, 36, 1152, 684}},
      {"hand_model", "hand", 0.4f, {1000, 500, 1100, 600}},  // inside both persons: the one holding more
      {"hand_model", "hand", 0.3f, {0, 0, 60, 60}},          // nobody's
      {"face_model", "face", 0.5f, {1100, 10, 1300, 100}},   // half outside person 2: still more than half inside
  };
}

TEST(Aseg, PersonsComeFirstAndPartsBelongToThePersonHoldingMostOfThem) {
  Aseg a = make_aseg(1280, 720, scene());
  ASSERT_EQ(a.entries.size(), 6u);
  EXPECT_EQ(a.entries[0].detection.label, "person");
  EXPECT_FLOAT_EQ(a.entries[0].detection.score, 0.9f);
  EXPECT_EQ(a.entries[1].detection.label, "person");
  EXPECT_EQ(a.entries[2].detection.label, "face");
  EXPECT_EQ(a.entries[2].owner, 0);
  EXPECT_EQ(a.entries[3].detection.score, 0.5f);  // the second face
  EXPECT_EQ(a.entries[3].owner, 1);
  EXPECT_EQ(a.entries[4].detection.label, "hand");
  EXPECT_EQ(a.entries[4].owner, 0);  // wholly inside both; the first (best) person wins the tie
  EXPECT_EQ(a.entries[5].owner, -1);
  EXPECT_FLOAT_EQ(a.entries[0].area_share, 1024.0f * 648.0f / (1280.0f * 720.0f));
}

TEST(Aseg, WritingThenReadingGivesTheSameData) {
  Aseg a = make_aseg(1280, 720, scene());
  a.entries[2].detection.score = 0.123456789f;  // any float survives
  a.entries[2].detection.label = "odd\tlabel";  // a tab cannot: written as a space
  a.masks.push_back({"isnet-imgly", "subject", 0.4213f, {33, 35, 301, 665}, "a.mask.png"});
  a.masks.push_back({"other", "subject", 0, {}, ""});  // an empty mask, not written to a file
  a.checks.push_back({"hair_colour", "blonde_hair", "brown (L 40.1 a 12 b 25.3)", "contradicts", "flagged"});
  a.checks.push_back({"count", "", "2 persons", "agrees", "none"});
  const std::string text = format_aseg(a);
  auto back = parse_aseg(text, "x.aseg");
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->image_width, 1280);
  EXPECT_EQ(back->image_height, 720);
  ASSERT_EQ(back->entries.size(), a.entries.size());
  for (size_t i = 0; i < a.entries.size(); ++i) {
    SCOPED_TRACE(i);
    const AsegEntry &x = a.entries[i], &y = back->entries[i];
    EXPECT_EQ(y.detection.model, x.detection.model);
    EXPECT_EQ(y.detection.label, i == 2 ? "odd label" : x.detection.label);
    EXPECT_EQ(y.detection.score, x.detection.score);  // bit-exact
    EXPECT_EQ(y.detection.box, x.detection.box);
    EXPECT_EQ(y.area_share, x.area_share);
    EXPECT_EQ(y.owner, x.owner);
  }
  ASSERT_EQ(back->masks.size(), 2u);
  EXPECT_EQ(back->masks[0].model, "isnet-imgly");
  EXPECT_EQ(back->masks[0].area_share, 0.4213f);
  EXPECT_EQ(back->masks[0].box, (Box{33, 35, 301, 665}));
  EXPECT_EQ(back->masks[0].file, "a.mask.png");
  EXPECT_EQ(back->masks[1].file, "");
  ASSERT_EQ(back->checks.size(), 2u);
  EXPECT_EQ(back->checks[0].measured, "brown (L 40.1 a 12 b 25.3)");
  EXPECT_EQ(back->checks[0].action, "flagged");
  EXPECT_EQ(back->checks[1].tag, "");
  EXPECT_EQ(format_aseg(*back), text);
  EXPECT_EQ(text.substr(0, text.find('\n')), "tagforge-aseg 1");
  EXPECT_NE(text.find("\nmask\tisnet-imgly\tsubject\t0.4213\t33\t35\t301\t665\ta.mask.png\n"), std::string::npos);
}

TEST(Aseg, DamagedFilesAreErrorsNamingTheLine) {
  const std::string good = format_aseg(make_aseg(100, 100, {{"m", "face", 0.5f, {1, 2, 3, 4}}}));
  EXPECT_TRUE(parse_aseg(good, "a.aseg").ok());
  EXPECT_TRUE(parse_aseg(good + "\n\n# a comment\n", "a.aseg").ok());
  auto wrong_magic = parse_aseg("tagforge-aseg 2\n", "a.aseg");
  ASSERT_FALSE(wrong_magic.ok());
  EXPECT_EQ(wrong_magic.error().path, std::filesystem::path("a.aseg"));
  auto short_row = parse_aseg("tagforge-aseg 1\nimage\t10\t10\n0\tm\tface\t0.5\t1\t2\t3\n", "a.aseg");
  ASSERT_FALSE(short_row.ok());
  EXPECT_NE(short_row.error().message.find("line 3"), std::string::npos) << short_row.error().message;
  EXPECT_FALSE(parse_aseg("tagforge-aseg 1\nimage\t10\t10\n0\tm\tface\tx\t1\t2\t3\t4\t0.1\t-\n", "a").ok());
  EXPECT_FALSE(parse_aseg("tagforge-aseg 1\nimage\t10\t10\n0\tm\tface\t0.5\t1\t2\t3\t4\t0.1\t0\n", "a").ok());  // owns itself
  EXPECT_FALSE(parse_aseg("tagforge-aseg 1\nimage\t0\t10\n", "a").ok());
  EXPECT_FALSE(parse_aseg("tagforge-aseg 1\n", "a").ok());
  EXPECT_FALSE(parse_aseg("", "a").ok());
  EXPECT_FALSE(parse_aseg("tagforge-aseg 1\nimage\t10\t10\nmask\tm\tsubject\t0.5\n", "a").ok());
  EXPECT_FALSE(parse_aseg("tagforge-aseg 1\nimage\t10\t10\n0\tm\tface\t0.5\t1\t2\t3\t4\t0.1\t-\n"
                          "mask\tm\tsubject\t0.5\t0\t0\t1\t1\t-\n", "a").ok());  // masks come first
  EXPECT_EQ(aseg_path_for("/d/a.b.png"), std::filesystem::path("/d/a.b.aseg"));
}

TEST(BoxMask, MeasuresWhatAMaskCovers) {
  Image8 mask{10, 4, 1, std::vector<uint8_t>(40, 0)};
  mask.pixels[1 * 10 + 2] = 200;
  mask.pixels[2 * 10 + 6] = 128;
  mask.pixels[3 * 10 + 9] = 127;  // under half: not covered
  const MaskCoverage c = measure_mask(mask);
  EXPECT_FLOAT_EQ(c.area_share, 2.0f / 40.0f);
  EXPECT_EQ(c.box, (Box{2, 1, 7, 3}));
  EXPECT_EQ(measure_mask(Image8{3, 3, 1, std::vector<uint8_t>(9, 0)}).area_share, 0.0f);
  const std::string png = mask_png(mask);
  const cv::Mat back = cv::imdecode(cv::Mat(1, int(png.size()), CV_8UC1, const_cast<char*>(png.data())),
                                    cv::IMREAD_UNCHANGED);
  ASSERT_EQ(back.type(), CV_8UC1);
  EXPECT_EQ(back.at<uint8_t>(1, 2), 200);
  EXPECT_EQ(back.at<uint8_t>(3, 9), 127);
}

TEST(BoxMask, IsTheUnionOfTheBoxes) {
  const std::string png = box_mask_png(20, 10, {{2, 2, 6, 6}, {4, 4, 10, 8}, {18, 0, 40, 3}});
  const cv::Mat m = cv::imdecode(cv::Mat(1, int(png.size()), CV_8UC1, const_cast<char*>(png.data())),
                                 cv::IMREAD_UNCHANGED);
  ASSERT_EQ(m.type(), CV_8UC1);
  ASSERT_EQ(m.cols, 20);
  ASSERT_EQ(m.rows, 10);
  EXPECT_EQ(cv::countNonZero(m), 16 + 24 - 4 + 6);  // two overlapping boxes, one clipped
  EXPECT_EQ(m.at<uint8_t>(2, 2), 255);
  EXPECT_EQ(m.at<uint8_t>(7, 9), 255);
  EXPECT_EQ(m.at<uint8_t>(8, 9), 0);
  EXPECT_EQ(m.at<uint8_t>(0, 19), 255);
}

}  // namespace
}  // namespace tagforge
