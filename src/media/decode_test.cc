// Decoding against python3-pil on real images (the renpy-thequestion
// sprites and backgrounds, fetched by scripts/fetch_test_media.sh), and the
// reduced-size JPEG decode against Pillow's full-size preparation.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "infer/tagger_input.h"
#include "media/decode.h"
#include "media/jpeg_header.h"
#include "media_fixtures.h"

namespace tagforge {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> real_images() {
  const fs::path dir = TAGFORGE_TEST_MEDIA_DIR;
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const auto ext = e.path().extension();
    if (ext == ".png" || ext == ".jpg") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void run_reference(const std::string& args) {
  const std::string cmd = std::string("/usr/bin/python3 ") + TAGFORGE_TEST_REFERENCE_DIR + "/wd_files.py " + args;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "python3-pil is needed (scripts/setup.sh installs it): " << cmd;
}

std::string quoted(const fs::path& p) {
  std::string out = p.string();
  out.insert(out.begin(), '\'');
  out.push_back('\'');
  return out;
}

// Mean absolute difference between our prepared floats (WD: BGR, 0-255) and Pillow's RGB bytes.
double wd_mean_abs_diff(const std::vector<float>& tensor, const std::string& ref) {
  double sum = 0;
  for (size_t i = 0; i < ref.size(); i += 3) {
    for (size_t k = 0; k < 3; ++k) sum += std::abs(tensor[i + k] - float(uint8_t(ref[i + 2 - k])));
  }
  return sum / double(ref.size());
}

TEST(JpegHeader, ReadsTheFrameSizeAndRejectsWhatIsNotAJpeg) {
  auto bytes = [](const std::string& s) { return std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()); };
  const std::string real = testing::read_file(fs::path(TAGFORGE_TEST_MEDIA_DIR) / "bg uni.jpg");
  auto size = jpeg_pixel_size(bytes(real));
  ASSERT_TRUE(size.has_value()) << "run scripts/fetch_test_media.sh";
  EXPECT_EQ(size->width, 1280);
  EXPECT_EQ(size->height, 720);
  EXPECT_FALSE(jpeg_pixel_size(bytes(real.substr(0, 100))).has_value());  // cut before the frame header
  EXPECT_FALSE(jpeg_pixel_size(bytes(testing::jpeg_bytes())).has_value());  // no frame header at all
  EXPECT_FALSE(jpeg_pixel_size(bytes(testing::png_bytes())).has_value());
  // Hand-made: SOI, an APP0 of 4 bytes, SOF2 (progressive) of 640 wide, 480 high.
  const std::string hand("\xFF\xD8\xFF\xE0\x00\x04\xAA\xBB\xFF\xC2\x00\x0B\x08\x01\xE0\x02\x80\x01\x01\x11\x00", 21);
  size = jpeg_pixel_size(bytes(hand));
  ASSERT_TRUE(size.has_value());
  EXPECT_EQ(size->width, 640);
  EXPECT_EQ(size->height, 480);
}

TEST(Decode, RealImagesMatchPillowPixelForPixel) {
  const auto files = real_images();
  ASSERT_GE(files.size(), 8u) << "run scripts/fetch_test_media.sh (scripts/test.sh does): " << TAGFORGE_TEST_MEDIA_DIR;
  const auto dir = testing::fresh_temp_dir("decode-real");
  std::string args = quoted(dir) + " 448";
  for (const auto& f : files) args.append(" ").append(quoted(f));
  run_reference(args);
  for (size_t i = 0; i < files.size(); ++i) {
    SCOPED_TRACE(files[i].filename().string());
    auto decoded = decode_image(files[i]);
    ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
    const std::string ref = testing::read_file(dir / (std::to_string(i) + ".pixels"));
    const Image8& im = decoded->image;
    EXPECT_EQ(im.channels, files[i].extension() == ".png" ? 4 : 3);  // the sprites are RGBA
    ASSERT_EQ(im.pixels.size(), ref.size());
    size_t differ = 0;
    for (size_t k = 0; k < ref.size(); ++k) differ += im.pixels[k] != uint8_t(ref[k]);
    EXPECT_EQ(differ, 0u);  // the same libpng and libjpeg-turbo arithmetic

    std::vector<float> tensor;
    append_tagger_input(im, wd_v3_input(448), tensor);
    const std::string wd = testing::read_file(dir / (std::to_string(i) + ".wd"));
    ASSERT_EQ(tensor.size(), wd.size());
    EXPECT_EQ(wd_mean_abs_diff(tensor, wd), 0.0);
  }
  fs::remove_all(dir);
}

TEST(Decode, ReducedSizeJpegStaysWithinTheTaggerTolerance) {
  const auto files = real_images();
  ASSERT_GE(files.size(), 8u) << "run scripts/fetch_test_media.sh: " << TAGFORGE_TEST_MEDIA_DIR;
  const auto dir = testing::fresh_temp_dir("decode-reduced");
  const fs::path big = dir / "big.jpg";
  const fs::path bg = fs::path(TAGFORGE_TEST_MEDIA_DIR) / "bg meadow.jpg";
  const fs::path sprite = fs::path(TAGFORGE_TEST_MEDIA_DIR) / "sylvie green smile.png";
  run_reference(std::string("--big ").append(quoted(big)).append(" ").append(quoted(bg)).append(" ").append(quoted(sprite)));
  run_reference(quoted(dir) + " 448 " + quoted(big));
  const std::string wd = testing::read_file(dir / "0.wd");

  for (int long_side : {448, 896}) {
    SCOPED_TRACE(long_side);
    auto decoded = decode_image(big, DecodeOptions{long_side});
    ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
    EXPECT_EQ(decoded->full_width, 3000);
    EXPECT_EQ(decoded->full_height, 2000);
    EXPECT_EQ(decoded->reduction, long_side == 448 ? 4 : 2);  // 3000/4 = 750 >= 448 > 3000/8
    EXPECT_EQ(decoded->image.width, 3000 / decoded->reduction);
    std::vector<float> tensor;
    append_tagger_input(decoded->image, wd_v3_input(448), tensor);
    const double mad = wd_mean_abs_diff(tensor, wd);
    RecordProperty("mean_abs_diff_" + std::to_string(long_side), std::to_string(mad));
    EXPECT_LT(mad, 1.0);
  }
  // Without the option the decode is full size.
  auto full = decode_image(big);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->reduction, 1);
  EXPECT_EQ(full->image.width, 3000);
  fs::remove_all(dir);
}

TEST(Decode, ABrokenFileIsAnErrorNamingIt) {
  const auto dir = testing::fresh_temp_dir("decode-broken");
  const fs::path junk = dir / "junk.png";
  testing::write_file(junk, "not an image at all");
  auto r = decode_image(junk);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(r.error().path, junk);
  auto missing = decode_image(dir / "missing.png");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tagforge
