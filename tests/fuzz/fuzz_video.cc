// Fuzz target: VideoReader on any bytes (FFmpeg's demuxers and decoders
// behind our wrapper): it must give frames or an error, never crash, hang or
// allocate without bound. The bytes go through a file, as users' files do.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "media/video_reader.h"
#include "media_fixtures.h"

std::vector<std::string> fuzz_seeds() {
  // A tiny GIF and animated WebP (two 1x1 frames each), and the fixtures' minimal headers of
  // the other containers.
  return {tagforge::testing::gif_bytes(2),  tagforge::testing::webp_bytes(true), tagforge::testing::mp4_bytes(),
          tagforge::testing::webm_bytes(), tagforge::testing::avi_bytes(),       tagforge::testing::apng_bytes()};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/tagforge-fuzz-video-" + std::to_string(getpid());
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
  }
  tagforge::VideoReaderOptions opt;
  opt.max_pixels = 4096 * 4096;
  opt.threads = 1;
  auto reader = tagforge::VideoReader::open(path, opt);
  if (reader.ok()) {
    for (int i = 0; i < 64; ++i) {
      auto f = (*reader)->next(true);
      if (!f.ok() || !f->has_value()) break;
      const tagforge::Image8& im = (*f)->image;
      if (im.pixels.size() != size_t(im.width) * im.height * im.channels) std::abort();
      // The frame gate's calls: a grey thumbnail, a frame held and converted later.
      auto grey = (*reader)->grey_thumbnail(32);
      if (grey.ok() && grey->pixels.size() != size_t(grey->width) * grey->height * grey->channels) std::abort();
      if (i % 3 == 0) (void)(*reader)->hold();
      if (i % 3 == 2) {
        auto held = (*reader)->held_pixels();
        if (held.ok() && held->pixels.size() != size_t(held->width) * held->height * held->channels) std::abort();
      }
    }
  }
  return 0;
}
