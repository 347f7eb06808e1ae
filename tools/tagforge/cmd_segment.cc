// `tagforge segment PATH... [--model DIR] [--out DIR] [--json]`: a subject
// mask per image (ISNet), written as <stem>.mask.png beside it (or into
// --out) and summarised in its .aseg file; the mask is made as `tagforge
// run`'s segment stage makes it (stages/segment_stage.h).
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>

#include "commands.h"
#include "core/atomic_file.h"
#include "image_inputs.h"
#include "infer/image_pipeline.h"
#include "infer/segmenter.h"
#include "json_float.h"
#include "model_command.h"
#include "pipeline/stages/segment_stage.h"
#include "tagforge/path_text.h"
#include "vision/aseg.h"
#include "vision/box_mask.h"

namespace tagforge::cli {
namespace {

namespace fs = std::filesystem;
constexpr const char* kCommand = "tagforge segment";

struct Args {
  std::vector<std::string> paths;
  std::string model_dir = "isnet-imgly";
  std::string out_dir;
  bool json = false, dry_run = false, quiet = false;
  RuntimeOptions runtime;
};

fs::path mask_path_for(const fs::path& image, const std::string& out_dir) {
  const std::string name = mask_file_name(image);
  return out_dir.empty() ? image.parent_path() / name : fs::path(out_dir) / name;
}

// The image's .aseg with this segmenter's mask replaced (detections kept).
Status record_in_aseg(const fs::path& image, int width, int height, AsegMask mask) {
  const fs::path file = aseg_path_for(image);
  Aseg aseg{width, height, {}, {}, {}};
  std::error_code ec;
  if (fs::exists(file, ec)) {
    auto parsed = read_aseg_file(file);
    if (!parsed) return parsed.error();  // never overwrite what we cannot read
    aseg = std::move(*parsed);
  }
  std::erase_if(aseg.masks, [&](const AsegMask& m) { return m.model == mask.model && m.label == mask.label; });
  aseg.masks.push_back(std::move(mask));
  return write_file_atomic(file, format_aseg(aseg), Overwrite::kReplace);
}

int run(Args& a) {
  auto seg = open_model<Segmenter>(a.model_dir, a.runtime, kCommand);
  if (!seg) return kExitFatal;
  if (!a.out_dir.empty()) {
    std::error_code ec;
    fs::create_directories(a.out_dir, ec);
    if (ec) {
      std::fprintf(stderr, "%s: %s: cannot create: %s\n", kCommand, a.out_dir.c_str(), ec.message().c_str());
      return kExitFatal;
    }
  }
  size_t failed = 0, done = 0;
  const std::vector<fs::path> images = collect_images(a.paths, kCommand, failed);
  PipelineOptions opt;
  opt.batch_size = 1;
  opt.keep_pixels = true;  // full size: the mask is the image's own size
  const auto start = std::chrono::steady_clock::now();
  run_image_pipeline(images, opt, {}, [&](PipelineBatch& b) {
    for (PipelineImage& im : b.images) {
      auto report = [&](const Error& e) {
        std::fprintf(stderr, "%s: %s\n", kCommand, e.to_string().c_str());
        ++failed;
      };
      if (im.error) {
        report(*im.error);
        continue;
      }
      const fs::path mask_file = mask_path_for(im.path, a.out_dir);
      auto subject = segment_subject(*seg, im.decoded.image, a.dry_run ? fs::path() : mask_file);
      im.decoded.image.pixels = {};
      if (!subject) {
        report(subject.error());
        continue;
      }
      const MaskCoverage& cover = subject->cover;
      if (!a.dry_run) {
        const fs::path relative = mask_file.lexically_relative(im.path.parent_path());
        if (Status st = record_in_aseg(im.path, subject->mask.width, subject->mask.height,
                                       {seg->profile().name, "subject", cover.area_share, cover.box,
                                        relative.empty() ? mask_file.string() : relative.string()});
            !st.ok()) {
          report(st.error());
          continue;
        }
      }
      if (a.json) {
        nlohmann::ordered_json j{{"path", im.path.string()},
                                 {"mask", mask_file.string()},
                                 {"area", json_float(cover.area_share)},
                                 {"box", {cover.box.x0, cover.box.y0, cover.box.x1, cover.box.y1}}};
        std::puts(j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
      }
      ++done;
    }
  });
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!a.quiet) {
    std::fprintf(stderr, "%s: %zu images segmented with %s %s\n", kCommand, done, seg->profile().name.c_str(),
                 rate_and_failures(done, secs, failed).c_str());
  }
  return failed ? kExitSomeFailed : kExitOk;
}

}  // namespace

Runner add_segment_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("segment", "Subject masks (ISNet): <stem>.mask.png beside each image, noted in its .aseg");
  auto a = std::make_shared<Args>();
  cmd->add_option("PATH", a->paths, "Images, or folders whose still images are segmented")->required();
  cmd->add_option("--model", a->model_dir, "Segmenter: a catalogue name (anime-seg, isnet-imgly) or a folder with a model.toml (kind = \"isnet\")")->capture_default_str();
  cmd->add_option("--out", a->out_dir, "Write the masks into this folder instead of beside the images");
  cmd->add_flag("--json", a->json, "Print one JSON object per image: the mask file, its area share and box");
  cmd->add_flag("--dry-run", a->dry_run, "Write nothing");
  cmd->add_flag("-q,--quiet", a->quiet, "Only errors");
  add_runtime_flags(*cmd, a->runtime);
  return [a] { return run(*a); };
}

}  // namespace tagforge::cli
