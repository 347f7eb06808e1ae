// The quality measures (media/image_quality.h) on real pictures and on copies
// of them with each fault made on purpose: what each measure says of each,
// what the default gate makes of it, and what measuring costs against
// decoding the same file. Prints figures; asserts nothing.
//
//   bench_quality [--media DIR] [--rounds 5]
//
// By default the renpy-thequestion images (scripts/fetch_test_media.sh).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "media/decode.h"
#include "media/image_quality.h"
#include "picture_faults.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace tagforge;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void print_row(const std::string& name, const ImageQuality& q) {
  const std::string why = faults_text(quality_faults(q, QualityGate{}));
  std::printf("  %-28s %5dx%-5d sharp %8.1f  luma %5.1f±%5.1f  clip %4.2f  bars %3d/%3d/%3d/%3d  fine %5.3f  x%d  %s\n",
              name.c_str(), q.width, q.height, q.sharpness, q.luma_mean, q.luma_spread,
              q.clipped_dark + q.clipped_bright, q.bars.top, q.bars.bottom, q.bars.left, q.bars.right, q.fine_detail,
              q.effective_scale, why.empty() ? "passes" : why.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  fs::path media = fs::path(TAGFORGE_SOURCE_DIR) / "third_party/test_media/renpy";
  int rounds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--media")) media = argv[i + 1];
    else if (!std::strcmp(argv[i], "--rounds")) rounds = std::max(1, std::atoi(argv[i + 1]));
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(media)) {
    const std::string ext = e.path().extension().string();
    if (ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".webp") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "bench_quality: no pictures in %s (run scripts/fetch_test_media.sh)\n", media.c_str());
    return 2;
  }
  double decode_s = 0, measure_s = 0, megapixels = 0;
  for (const fs::path& file : files) {
    std::printf("%s\n", file.filename().c_str());
    auto t = Clock::now();
    auto decoded = decode_image(file);
    for (int r = 1; r < rounds && decoded; ++r) decoded = decode_image(file);
    decode_s += seconds_since(t) / rounds;
    if (!decoded) {
      std::printf("  %s\n", decoded.error().to_string().c_str());
      continue;
    }
    const Image8& im = decoded->image;
    megapixels += double(im.width) * im.height / 1e6;
    t = Clock::now();
    ImageQuality q;
    for (int r = 0; r < rounds; ++r) q = measure_quality(im);
    measure_s += seconds_since(t) / rounds;
    print_row("as it is", q);
    const Image8 quarter = resize_bicubic_like_pil(im, std::max(1, im.width / 4), std::max(1, im.height / 4));
    print_row("4x down, then up", measure_quality(resize_bicubic_like_pil(quarter, im.width, im.height)));
    print_row("2x up", measure_quality(resize_bicubic_like_pil(im, im.width * 2, im.height * 2)));
    print_row("blurred (box r=2, 3 passes)", measure_quality(testing::box_blurred(im, 2)));
    print_row("blurred (box r=5, 3 passes)", measure_quality(testing::box_blurred(im, 5)));
    print_row("darkened to 1/12", measure_quality(testing::darkened(im, 12)));
    if (im.channels == 3) {
      print_row("letterboxed (3/8 of it bars)", measure_quality(testing::on_black(im, im.width, im.height * 16 / 10)));
    }
  }
  std::printf("\n%zu pictures, %.1f megapixels: decode %.1f ms, measure %.1f ms a picture (%.1f ms a megapixel; "
              "measuring costs %.1f%% of decoding)\n",
              files.size(), megapixels, 1e3 * decode_s / files.size(), 1e3 * measure_s / files.size(),
              1e3 * measure_s / megapixels, 100 * measure_s / decode_s);
  return 0;
}
