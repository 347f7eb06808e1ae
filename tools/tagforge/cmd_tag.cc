// `tagforge tag PATH... --model DIR [--json]`: run a tagger over images and
// write (or merge into) their tag sidecars through the tag engine, as the
// tagger and tags stages of `tagforge run` do (stages/tagger_stage.h,
// stages/tags_stage.h).
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>

#include "commands.h"
#include "core/atomic_file.h"
#include "image_inputs.h"
#include "model_command.h"
#include "json_float.h"
#include "infer/image_pipeline.h"
#include "infer/tagger.h"
#include "pipeline/stages/tagger_stage.h"
#include "pipeline/stages/tags_stage.h"
#include "tag_engine.h"
#include "tagforge/path_text.h"

namespace tagforge::cli {
namespace {

namespace fs = std::filesystem;
constexpr const char* kCommand = "tagforge tag";

struct Args {
  std::vector<std::string> paths;
  std::string model_dir;
  bool json = false, dry_run = false, quiet = false, mcut = false;
  int batch = 8;
  RuntimeOptions runtime;
  std::optional<float> general_threshold, character_threshold;
  std::string ext = ".txt";
  TagEngineFlags engine;
};

nlohmann::ordered_json scores_json(const std::vector<TagScore>& tags) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const TagScore& t : tags) j[t.name] = json_float(t.probability);
  return j;
}

class SidecarWriter {
 public:
  SidecarWriter(const TagEngine& engine, const Args& args, std::string source)
      : e_(engine), a_(args), source_(std::move(source)) {}

  // Merges the prediction into the image's tag sidecar; an error names the file.
  Status write(const fs::path& image, const TagPrediction& p) {
    fs::path file = image;
    file.replace_extension(a_.ext);
    std::string old;
    std::error_code ec;
    if (fs::exists(file, ec)) {
      auto text = read_tag_sidecar(file);
      if (!text) return text.error();
      old = std::move(*text);
    }
    const std::string out = merged_tag_line(old, predicted_tags(p), source_, e_);
    if (a_.dry_run) {
      std::printf("%s: %s\n", printable_path(file.native()).c_str(), out.c_str());
      return ok_status();
    }
    return write_file_atomic(file, out, Overwrite::kReplace);
  }

 private:
  const TagEngine& e_;
  const Args& a_;
  std::string source_;
};

int run(Args& a) {
  auto tagger = open_model<Tagger>(a.model_dir, a.runtime, kCommand, [&](ModelProfile& p) {
    set_tagger_thresholds(p, a.general_threshold, a.character_threshold, a.mcut);
  });
  if (!tagger) return kExitFatal;
  auto engine = load_tag_engine(a.engine, a.quiet);
  if (!engine) return kExitFatal;
  size_t failed = 0, tagged = 0;
  const std::vector<fs::path> images = collect_images(a.paths, kCommand, failed);
  Tagger& t = *tagger;
  SidecarWriter writer(*engine, a, t.profile().name);

  PipelineOptions opt;
  opt.batch_size = size_t(std::max(1, a.batch));
  opt.floats_per_image = t.floats_per_image();
  opt.decode.reduce_to_long_side = t.profile().input.size;
  const auto start = std::chrono::steady_clock::now();
  run_image_pipeline(
      images, opt, [&](const Image8& im, std::span<float> slot) { t.prepare_into(im, slot); },
      [&](PipelineBatch& b) {
        auto predictions = t.run(b.tensor, int(b.images.size()));
        for (size_t i = 0; i < b.images.size(); ++i) {
          const PipelineImage& im = b.images[i];
          if (im.error) {
            std::fprintf(stderr, "%s: %s\n", kCommand, im.error->to_string().c_str());
            ++failed;
            continue;
          }
          if (!predictions) {
            std::fprintf(stderr, "%s: %s: %s\n", kCommand, printable_path(im.path.native()).c_str(),
                         predictions.error().to_string().c_str());
            ++failed;
            continue;
          }
          const TagPrediction& p = (*predictions)[i];
          if (a.json) {
            nlohmann::ordered_json j{{"path", im.path.string()},
                             {"rating", scores_json(p.rating)},
                             {"general", scores_json(p.general)},
                             {"character", scores_json(p.character)}};
            std::puts(j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
          }
          if (Status st = writer.write(im.path, p); !st.ok()) {
            std::fprintf(stderr, "%s: %s\n", kCommand, st.error().to_string().c_str());
            ++failed;
            continue;
          }
          ++tagged;
        }
      });
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!a.quiet) {
    std::fprintf(stderr, "%s: %zu images tagged with %s (%s) %s\n", kCommand, tagged, t.profile().name.c_str(),
                 model_kind_name(t.profile().kind), rate_and_failures(tagged, secs, failed).c_str());
  }
  return failed ? kExitSomeFailed : kExitOk;
}

}  // namespace

Runner add_tag_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("tag", "Tag images with an ONNX tagger (WD v3, JoyTag) and write their tag sidecars");
  auto a = std::make_shared<Args>();
  cmd->add_option("PATH", a->paths, "Images, or folders whose still images are tagged")->required();
  cmd->add_option("--model", a->model_dir, "Tagger: a catalogue name (wd-vit-tagger-v3, joytag, …: tagforge models list) or a folder with model.onnx + selected_tags.csv or top_tags.txt, or a model.toml")
      ->required();
  cmd->add_flag("--json", a->json, "Print one JSON object per image: rating, general and character tags with probabilities");
  cmd->add_flag("--dry-run", a->dry_run, "Print the sidecars that would be written; write nothing");
  cmd->add_option("--ext", a->ext, "Sidecar extension [caption_extension]")->capture_default_str();
  cmd->add_option("--general-threshold", a->general_threshold, "Keep general tags above this [general_threshold]");
  cmd->add_option("--character-threshold", a->character_threshold, "Keep character tags above this [character_threshold]");
  cmd->add_flag("--mcut", a->mcut, "MCut picks both thresholds (the character one never under 0.15)");
  cmd->add_option("--batch", a->batch, "Images per inference [batch_size]")->capture_default_str()->check(CLI::Range(1, 1024));
  add_runtime_flags(*cmd, a->runtime);
  cmd->add_flag("-q,--quiet", a->quiet, "Only errors");
  add_tag_engine_flags(*cmd, a->engine);
  return [a] { return run(*a); };
}

}  // namespace tagforge::cli
