// Frames and their times from GIFs and videos made with known content
// (tests/reference/make_clips.py: python3-pil and the ffmpeg CLI).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "media/decode.h"
#include "media/video_reader.h"
#include "media_fixtures.h"
#include "test_clips.h"

namespace tagforge {
namespace {

namespace fs = std::filesystem;

const fs::path& clips() { return testing::test_clips_dir(); }

std::vector<VideoFrame> all_frames(const fs::path& file, bool pixels = true) {
  std::vector<VideoFrame> out;
  auto r = VideoReader::open(file);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  if (!r.ok()) return out;
  while (true) {
    auto f = (*r)->next(pixels);
    EXPECT_TRUE(f.ok()) << f.error().to_string();
    if (!f.ok() || !f->has_value()) break;
    out.push_back(std::move(**f));
  }
  return out;
}

const uint8_t* pixel(const Image8& im, int x, int y) { return &im.pixels[(size_t(y) * im.width + x) * im.channels]; }

TEST(VideoReader, GifFrameDelaysAndTransparency) {
  auto r = VideoReader::open(clips() / "delays.gif");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ((*r)->info().codec, "gif");
  EXPECT_TRUE((*r)->info().alpha);
  EXPECT_EQ((*r)->info().width, 40);
  const auto frames = all_frames(clips() / "delays.gif");
  ASSERT_EQ(frames.size(), 3u);
  const double times[] = {0, 0.1, 0.3}, durations[] = {0.1, 0.2, 0.05};
  const uint8_t colours[][3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
  for (size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(frames[i].index, int64_t(i));
    EXPECT_NEAR(frames[i].time, times[i], 1e-9);
    EXPECT_NEAR(frames[i].duration, durations[i], 1e-9);
    ASSERT_EQ(frames[i].image.channels, 4);
    const uint8_t* p = pixel(frames[i].image, 20, 15);
    EXPECT_EQ(std::vector<int>(p, p + 4), (std::vector<int>{colours[i][0], colours[i][1], colours[i][2], 255}));
    EXPECT_EQ(pixel(frames[i].image, 0, 0)[3], 0);  // the transparent pixel
  }
}

TEST(VideoReader, AnimatedPngAndWebpKeepTheirDelaysAndAlpha) {
  for (const char* name : {"delays.apng", "delays.webp"}) {  // WebP through libwebp, not FFmpeg
    SCOPED_TRACE(name);
    auto r = VideoReader::open(clips() / name);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ((*r)->info().codec, std::string(name).substr(7));
    EXPECT_TRUE((*r)->info().alpha);
    EXPECT_EQ((*r)->info().width, 40);
    EXPECT_EQ((*r)->info().height, 30);
    const auto frames = all_frames(clips() / name);
    ASSERT_EQ(frames.size(), 3u);
    const double times[] = {0, 0.1, 0.3}, durations[] = {0.1, 0.2, 0.05};
    const uint8_t colours[][3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
    for (size_t i = 0; i < 3; ++i) {
      SCOPED_TRACE(i);
      EXPECT_NEAR(frames[i].time, times[i], 1e-9);
      if (std::string(name) == "delays.webp") {
        EXPECT_NEAR(frames[i].duration, durations[i], 1e-9);
      }
      ASSERT_EQ(frames[i].image.channels, 4);
      const uint8_t* p = pixel(frames[i].image, 20, 15);
      EXPECT_EQ(std::vector<int>(p, p + 4), (std::vector<int>{colours[i][0], colours[i][1], colours[i][2], 255}));
      EXPECT_EQ(pixel(frames[i].image, 0, 0)[3], 0);
    }
  }
  // A thumbnail of a WebP frame: area-averaged, the same colour.
  auto r = VideoReader::open(clips() / "delays.webp");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)->next(false).ok());
  auto thumb = (*r)->thumbnail(8);
  ASSERT_TRUE(thumb.ok()) << thumb.error().to_string();
  EXPECT_EQ(thumb->width, 8);
  EXPECT_EQ(thumb->height, 6);
  EXPECT_EQ(pixel(*thumb, 4, 3)[0], 255);
}

TEST(VideoReader, ConstantAndVariableFrameRatesKeepTheirTimes) {
  const auto cfr = all_frames(clips() / "cfr.mp4", false);
  ASSERT_EQ(cfr.size(), 20u);
  for (size_t i = 0; i < cfr.size(); ++i) EXPECT_NEAR(cfr[i].time, 0.1 * double(i), 1e-6) << i;
  EXPECT_TRUE(cfr[5].image.pixels.empty());  // not converted when not asked for

  auto info = VideoReader::open(clips() / "cfr.mp4");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ((*info)->info().width, 160);
  EXPECT_NEAR((*info)->info().frame_rate, 10.0, 1e-6);
  EXPECT_NEAR((*info)->info().duration, 2.0, 0.01);
  EXPECT_FALSE((*info)->info().alpha);

  const auto vfr = all_frames(clips() / "vfr.mkv");
  ASSERT_EQ(vfr.size(), 5u);
  const double times[] = {0, 0.1, 0.2, 0.5, 1.0};
  for (size_t i = 0; i < 5; ++i) EXPECT_NEAR(vfr[i].time, times[i], 1e-3) << i;
  EXPECT_EQ(vfr[0].image.channels, 3);
  EXPECT_EQ(vfr[0].image.width, 64);
}

TEST(VideoReader, APhoneVideoComesOutAsFfmpegShowsIt) {
  auto r = VideoReader::open(clips() / "rotated.mp4");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_NE((*r)->info().rotation, 0);
  EXPECT_EQ((*r)->info().width, 32);  // stored 64x32, shown 32x64
  EXPECT_EQ((*r)->info().height, 64);
  auto f = (*r)->next();
  ASSERT_TRUE(f.ok() && f->has_value());
  const Image8& im = (*f)->image;
  ASSERT_EQ(im.width, 32);
  ASSERT_EQ(im.height, 64);
  auto shown = decode_image(clips() / "rotated_shown.png");
  ASSERT_TRUE(shown.ok());
  ASSERT_EQ(shown->image.width, 32);
  for (int y : {2, 61}) {  // the top and the bottom: one red, one blue, where ffmpeg has them
    SCOPED_TRACE(y);
    const uint8_t* ours = pixel(im, 16, y);
    const uint8_t* theirs = pixel(shown->image, 16, y);
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(ours[c], theirs[c], 8);
  }
}

TEST(VideoReader, TheCurrentFrameConvertsLateAndSmall) {
  auto r = VideoReader::open(clips() / "delays.gif");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE((*r)->pixels().ok());  // nothing decoded yet
  auto f = (*r)->next(false);
  ASSERT_TRUE(f.ok() && f->has_value());
  f = (*r)->next(false);  // the green frame, not converted
  ASSERT_TRUE(f.ok() && f->has_value());
  EXPECT_TRUE((*f)->image.pixels.empty());
  auto full = (*r)->pixels();
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->width, 40);
  EXPECT_EQ(pixel(*full, 20, 15)[1], 255);
  auto thumb = (*r)->thumbnail(10);
  ASSERT_TRUE(thumb.ok());
  EXPECT_EQ(thumb->width, 10);
  EXPECT_EQ(thumb->height, 8);  // 30 * 10 / 40 = 7.5, rounded
  EXPECT_EQ(pixel(*thumb, 5, 4)[1], 255);
  auto rotated = VideoReader::open(clips() / "rotated.mp4");
  ASSERT_TRUE(rotated.ok());
  ASSERT_TRUE((*rotated)->next(false).ok());
  auto small = (*rotated)->thumbnail(16);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->width, 8);  // rotated like the frame: 16x8 stored, 8x16 shown
  EXPECT_EQ(small->height, 16);
  while (true) {
    auto g = (*r)->next(false);
    ASSERT_TRUE(g.ok());
    if (!g->has_value()) break;
  }
  EXPECT_FALSE((*r)->pixels().ok());  // past the last frame
}

TEST(VideoReader, AHeldFrameConvertsAfterLaterFramesAndGreyThumbnailsAreLuma) {
  // cuts.mp4: testsrc for frames 0-9, then smptebars. Frame 3 held, converted at frame 15.
  auto r = VideoReader::open(clips() / "cuts.mp4");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE((*r)->hold().ok());  // nothing decoded yet
  EXPECT_FALSE((*r)->held_pixels().ok());
  Image8 third;
  for (int i = 0; i <= 15; ++i) {
    auto f = (*r)->next(i == 3);
    ASSERT_TRUE(f.ok() && f->has_value());
    if (i == 3) {
      third = (*f)->image;
      ASSERT_TRUE((*r)->hold().ok());
    }
  }
  auto held = (*r)->held_pixels();
  ASSERT_TRUE(held.ok()) << held.error().to_string();
  EXPECT_EQ(held->width, third.width);
  EXPECT_EQ(held->pixels, third.pixels);  // frame 3's, not the current frame's
  auto now = (*r)->pixels();
  ASSERT_TRUE(now.ok());
  EXPECT_NE(now->pixels, third.pixels);

  // The grey thumbnail: one channel, the colour thumbnail's luma within rounding.
  auto grey = (*r)->grey_thumbnail(40);
  auto colour = (*r)->thumbnail(40);
  ASSERT_TRUE(grey.ok() && colour.ok());
  EXPECT_EQ(grey->channels, 1);
  EXPECT_EQ(grey->width, colour->width);
  EXPECT_EQ(grey->height, colour->height);
  double worst = 0;
  for (size_t i = 0; i < grey->pixels.size(); ++i) {
    const uint8_t* p = &colour->pixels[i * 3];
    const double luma = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
    worst = std::max(worst, std::abs(luma - grey->pixels[i]));
  }
  EXPECT_LT(worst, 12) << "colour bars: chroma is scaled apart from luma";
}

// Frames ffprobe counts when it decodes every one.
int ffprobe_frames(const fs::path& file) {
  const std::string cmd = "ffprobe -v quiet -count_frames -select_streams v:0 -show_entries stream=nb_read_frames "
                          "-of csv=p=0 '" + file.string() + "'";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return -1;
  char buf[64] = {};
  const size_t n = fread(buf, 1, sizeof buf - 1, pipe);
  pclose(pipe);
  return n ? std::atoi(buf) : -1;
}

TEST(VideoReader, RealClipsGiveEveryFrameFfprobeCounts) {
  const fs::path dir = TAGFORGE_TEST_CLIPS_DIR;
  int tested = 0;
  for (const char* name : {"newtonscradle.gif", "no_time_for_that_tiny.gif", "realshort.mp4", "small_movie.mp4",
                           "cockatoo.mp4"}) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(fs::exists(dir / name)) << "run scripts/fetch_test_media.sh";
    const int expected = ffprobe_frames(dir / name);
    ASSERT_GT(expected, 0) << "ffprobe (the ffmpeg package) is needed";
    auto r = VideoReader::open(dir / name);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    int count = 0;
    double last = -1;
    while (true) {
      auto f = (*r)->next(false);
      ASSERT_TRUE(f.ok()) << f.error().to_string();
      if (!f->has_value()) break;
      EXPECT_GE((*f)->time, last);  // presentation order
      last = (*f)->time;
      if (count == 0) {
        auto px = (*r)->pixels();
        ASSERT_TRUE(px.ok());
        EXPECT_EQ(px->width, (*r)->info().width);
      }
      ++count;
    }
    EXPECT_EQ(count, expected);
    std::printf("%-28s %s %dx%d  %d frames, last at %.3f s\n", name, (*r)->info().codec.c_str(), (*r)->info().width,
                (*r)->info().height, count, last);
    ++tested;
  }
  EXPECT_EQ(tested, 5);
}

TEST(VideoReader, BadInputIsAClearErrorNamingTheFile) {
  const auto dir = testing::fresh_temp_dir("bad-clips");
  auto audio = VideoReader::open(clips() / "audio.m4a");
  ASSERT_FALSE(audio.ok());
  EXPECT_NE(audio.error().message.find("no video stream"), std::string::npos) << audio.error().message;
  EXPECT_EQ(audio.error().path, clips() / "audio.m4a");

  testing::write_file(dir / "empty.mp4", "");
  EXPECT_FALSE(VideoReader::open(dir / "empty.mp4").ok());
  testing::write_file(dir / "noise.mp4", std::string(4096, '\x5a'));
  auto noise = VideoReader::open(dir / "noise.mp4");
  ASSERT_FALSE(noise.ok());
  EXPECT_EQ(noise.error().path, dir / "noise.mp4");
  EXPECT_EQ(VideoReader::open(dir / "missing.gif").error().code, ErrorCode::kNotFound);

  // Cut short: fewer frames, or an error, never a crash or a hang.
  const std::string whole = testing::read_file(clips() / "cfr.mp4");
  testing::write_file(dir / "cut.mp4", whole.substr(0, whole.size() * 2 / 3));
  if (auto cut = VideoReader::open(dir / "cut.mp4"); cut.ok()) {
    int n = 0;
    while (true) {
      auto f = (*cut)->next(false);
      if (!f.ok() || !f->has_value()) break;
      ASSERT_LT(++n, 1000);
    }
    EXPECT_LE(n, 20);
  }
  // Screens too large for FFmpeg (16384 square) or for our limit (12000 square): refused.
  for (const char* name : {"huge.gif", "big.gif"}) {
    auto r = VideoReader::open(clips() / name);
    if (r.ok()) {
      auto f = (*r)->next(true);
      ASSERT_FALSE(f.ok() && f->has_value()) << name;  // nothing huge comes out
    } else {
      EXPECT_EQ(r.error().path, clips() / name);
    }
  }
  auto big = VideoReader::open(clips() / "big.gif");
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message.find("larger than"), std::string::npos) << big.error().message;
  // Frames larger than allowed are refused before any allocation.
  VideoReaderOptions small;
  small.max_pixels = 100 * 100;
  auto limited = VideoReader::open(clips() / "cfr.mp4", small);
  ASSERT_FALSE(limited.ok());
  EXPECT_NE(limited.error().message.find("larger than"), std::string::npos);

  // Animated WebP: a canvas claiming 16384 square is refused from its header; a file cut
  // anywhere is an error naming it or fewer frames, never a crash.
  std::string webp = testing::read_file(clips() / "delays.webp");
  std::string huge = webp;
  huge.replace(24, 6, std::string("\xff\x3f\x00\xff\x3f\x00", 6));  // width - 1, height - 1: 24 bits each
  testing::write_file(dir / "huge.webp", huge);
  auto huge_webp = VideoReader::open(dir / "huge.webp");
  ASSERT_FALSE(huge_webp.ok());
  EXPECT_EQ(huge_webp.error().message, "frames are 16384x16384, larger than 67108864 pixels");
  for (size_t cut = 21; cut < webp.size(); cut += 7) {
    testing::write_file(dir / "cut.webp", webp.substr(0, cut));
    auto r = VideoReader::open(dir / "cut.webp");
    if (!r.ok()) {
      EXPECT_EQ(r.error().path, dir / "cut.webp");
      continue;
    }
    int n = 0;
    while (true) {
      auto f = (*r)->next(true);
      if (!f.ok()) {
        EXPECT_EQ(f.error().path, dir / "cut.webp");
        break;
      }
      if (!f->has_value()) break;
      ASSERT_LE(++n, 3);
    }
  }
}

}  // namespace
}  // namespace tagforge
