// Crop boxes: targets, margins, square and bucket snapping, image edges.
#include <gtest/gtest.h>

#include "vision/crops.h"

namespace tagforge {
namespace {

Aseg scene() {
  Aseg a = make_aseg(1000, 800, {{"p", "person", 0.9f, {300, 100, 700, 800}},
                                 {"p", "person", 0.5f, {0, 0, 100, 100}},
                                 {"f", "face", 0.8f, {450, 150, 550, 250}},
                                 {"h", "head", 0.7f, {430, 110, 570, 270}}});
  a.masks.push_back({"isnet", "subject", 0.3f, {280, 90, 720, 800}, "a.mask.png"});
  return a;
}

TEST(Crops, EachTargetWithItsMargin) {
  CropOptions opt;
  opt.margin = 0.1f;
  EXPECT_EQ(crop_box(scene(), CropTarget::kFace, opt), (Box{440, 140, 560, 260}));
  EXPECT_EQ(crop_box(scene(), CropTarget::kHead, opt), (Box{416, 94, 584, 286}));
  // The best person; the margin stops at the image's bottom edge.
  EXPECT_EQ(crop_box(scene(), CropTarget::kPerson, opt), (Box{260, 30, 740, 800}));
  // The torso is the upper half of the person: 100..450, plus 10% of 350 each way.
  EXPECT_EQ(crop_box(scene(), CropTarget::kTorso, opt), (Box{260, 65, 740, 485}));
  EXPECT_EQ(crop_box(scene(), CropTarget::kSubject, opt), (Box{236, 19, 764, 800}));
  EXPECT_FALSE(crop_box(make_aseg(10, 10, {}), CropTarget::kFace, opt).has_value());
  EXPECT_EQ(crop_target_from_name("torso"), CropTarget::kTorso);
  EXPECT_EQ(crop_target_from_name("faces"), CropTarget::kFace);
  EXPECT_EQ(crop_target_from_name("subjects"), CropTarget::kSubject);
  EXPECT_FALSE(crop_target_from_name("feet").has_value());
  EXPECT_FALSE(crop_target_from_name("s").has_value());
}

TEST(Crops, SquareAndBucketSnappingStayInsideTheImage) {
  CropOptions opt;
  opt.margin = 0;
  opt.snap = CropOptions::Snap::kSquare;
  // The face is already square.
  EXPECT_EQ(crop_box(scene(), CropTarget::kFace, opt), (Box{450, 150, 550, 250}));
  // The person (400 x 700) widens to 700 x 700, centred, then moves up to fit under 800.
  EXPECT_EQ(crop_box(scene(), CropTarget::kPerson, opt), (Box{150, 100, 850, 800}));
  // A box taller than the image is wide: the image's width is the limit.
  Aseg tall = make_aseg(300, 1000, {{"p", "person", 0.9f, {100, 0, 200, 1000}}});
  EXPECT_EQ(crop_box(tall, CropTarget::kPerson, opt), (Box{0, 350, 300, 650}));

  opt.snap = CropOptions::Snap::kBucket;
  // 400 x 700 (0.571) is nearest 768 x 1344 (0.571): nothing to grow.
  EXPECT_EQ(crop_box(scene(), CropTarget::kPerson, opt), (Box{300, 100, 700, 800}));
  // The torso, 400 x 350 (1.14), is nearest 1152 x 896 (1.29): 450 x 350.
  const auto torso = crop_box(scene(), CropTarget::kTorso, opt);
  ASSERT_TRUE(torso.has_value());
  EXPECT_NEAR(torso->width() / torso->height(), 1152.0 / 896.0, 0.01);
  EXPECT_EQ(torso->y0, 100);
}

}  // namespace
}  // namespace tagforge
