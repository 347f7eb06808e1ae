// `tagforge classify PATH... [--model DIR] [--json]`: NSFW scores per image
// (nsfwjs's classes and one nsfw score; with a WD tagger's ratings from
// `tagforge tag --json` not at hand, the score is the classes' alone).
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>

#include "commands.h"
#include "image_inputs.h"
#include "infer/image_pipeline.h"
#include "infer/nsfw_classifier.h"
#include "json_float.h"
#include "model_command.h"
#include "tagforge/path_text.h"

namespace tagforge::cli {
namespace {

namespace fs = std::filesystem;
constexpr const char* kCommand = "tagforge classify";

struct Args {
  std::vector<std::string> paths;
  std::string model_dir = "nsfwjs";
  float threshold = 0.5f;
  bool json = false, quiet = false;
  RuntimeOptions runtime;
};

int run(Args& a) {
  auto classifier = open_model<NsfwClassifier>(a.model_dir, a.runtime, kCommand);
  if (!classifier) return kExitFatal;
  size_t failed = 0, done = 0, nsfw = 0;
  const std::vector<fs::path> images = collect_images(a.paths, kCommand, failed);
  PipelineOptions opt;
  opt.batch_size = 4;
  opt.keep_pixels = true;
  // Full size: nsfwjs's bilinear does not antialias, so a reduced decode would change what it samples
  // (bg club.jpg: drawing 0.46 at full size, 0.31 from a half-size decode).
  const auto start = std::chrono::steady_clock::now();
  run_image_pipeline(images, opt, {}, [&](PipelineBatch& b) {
    for (PipelineImage& im : b.images) {
      if (im.error) {
        std::fprintf(stderr, "%s: %s\n", kCommand, im.error->to_string().c_str());
        ++failed;
        continue;
      }
      auto s = classifier->classify(im.decoded.image);
      im.decoded.image.pixels = {};
      if (!s) {
        std::fprintf(stderr, "%s: %s\n", kCommand, s.error().to_string().c_str());
        ++failed;
        continue;
      }
      ++done;
      nsfw += s->nsfw >= a.threshold;
      if (a.json) {
        nlohmann::ordered_json classes = nlohmann::ordered_json::object();
        for (const auto& [name, p] : s->classes) classes[name] = json_float(p);
        nlohmann::ordered_json j{{"path", im.path.string()}, {"classes", classes}, {"nsfw", json_float(s->nsfw)}};
        std::puts(j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
      } else {
        std::printf("%.3f  %s\n", s->nsfw, printable_path(im.path.native()).c_str());
      }
    }
  });
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!a.quiet) {
    std::fprintf(stderr, "%s: %zu images, %zu at nsfw >= %.2f, %s\n", kCommand, done, nsfw, a.threshold,
                 rate_and_failures(done, secs, failed).c_str());
  }
  return failed ? kExitSomeFailed : kExitOk;
}

}  // namespace

Runner add_classify_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("classify", "NSFW scores (nsfwjs's classifier): drawing, hentai, neutral, porn, sexy");
  auto a = std::make_shared<Args>();
  cmd->add_option("PATH", a->paths, "Images, or folders whose still images are classified")->required();
  cmd->add_option("--model", a->model_dir, "Classifier: a catalogue name (tagforge models list) or a folder with a model.toml (kind = \"nsfw\")")->capture_default_str();
  cmd->add_option("--threshold", a->threshold, "The nsfw score counted as NSFW in the summary")->capture_default_str();
  cmd->add_flag("--json", a->json, "Print one JSON object per image: every class and the nsfw score");
  cmd->add_flag("-q,--quiet", a->quiet, "Only errors");
  add_runtime_flags(*cmd, a->runtime);
  return [a] { return run(*a); };
}

}  // namespace tagforge::cli
