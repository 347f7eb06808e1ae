// `tagforge detect PATH... --model DIR [--model DIR...] [--json] [--masks DIR]`:
// run YOLO detectors over images and write one .aseg file per image (the
// detections as `tagforge run`'s detect stage finds them: stages/detect_stage.h).
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <map>

#include "commands.h"
#include "core/atomic_file.h"
#include "image_inputs.h"
#include "model_command.h"
#include "json_float.h"
#include "infer/detector.h"
#include "infer/image_pipeline.h"
#include "pipeline/stages/detect_stage.h"
#include "tagforge/path_text.h"
#include "vision/aseg.h"
#include "vision/box_mask.h"

namespace tagforge::cli {
namespace {

namespace fs = std::filesystem;
constexpr const char* kCommand = "tagforge detect";

struct Args {
  std::vector<std::string> paths, model_dirs;
  std::string masks_dir;
  bool json = false, dry_run = false, quiet = false;
  RuntimeOptions runtime;
  std::optional<float> confidence, iou;
};

// Writes the image's masks, one per label: DIR/<image stem>.<label>.png.
Status write_masks(const fs::path& dir, const fs::path& image, const Aseg& aseg) {
  std::map<std::string, std::vector<Box>> by_label;
  for (const AsegEntry& e : aseg.entries) by_label[e.detection.label].push_back(e.detection.box);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{ErrorCode::kIo, "cannot create the mask folder: " + ec.message(), dir};
  for (const auto& [label, boxes] : by_label) {
    const fs::path file = dir / (image.stem().string() + "." + label + ".png");
    TF_RETURN_IF_ERROR(write_box_mask(file, aseg.image_width, aseg.image_height, boxes));
  }
  return ok_status();
}

int run(Args& a) {
  std::vector<std::shared_ptr<Detector>> detectors;
  int largest_input = 0;
  for (const std::string& dir : a.model_dirs) {
    auto det = open_model<Detector>(dir, a.runtime, kCommand);
    if (!det) return kExitFatal;
    det->set_thresholds(a.confidence, a.iou);
    largest_input = std::max(largest_input, det->imgsz());
    detectors.push_back(std::move(det));
  }
  size_t failed = 0, done = 0, found = 0;
  const std::vector<fs::path> images = collect_images(a.paths, kCommand, failed);
  PipelineOptions opt;
  opt.batch_size = 4;
  opt.keep_pixels = true;
  opt.decode.reduce_to_long_side = largest_input;
  const auto start = std::chrono::steady_clock::now();
  run_image_pipeline(images, opt, {}, [&](PipelineBatch& b) {
    for (PipelineImage& im : b.images) {
      if (im.error) {
        std::fprintf(stderr, "%s: %s\n", kCommand, im.error->to_string().c_str());
        ++failed;
        continue;
      }
      const DecodedImage& d = im.decoded;
      auto all = detect_all(detectors, d.image, d.full_width, d.full_height);
      im.decoded.image.pixels = {};  // done with the pixels
      if (!all) {
        std::fprintf(stderr, "%s: %s: %s\n", kCommand, printable_path(im.path.native()).c_str(),
                     all.error().to_string().c_str());
        ++failed;
        continue;
      }
      found += all->size();
      const Aseg aseg = make_aseg(d.full_width, d.full_height, std::move(*all));
      if (a.json) {
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        for (const AsegEntry& e : aseg.entries) {
          const Box& box = e.detection.box;
          list.push_back({{"model", e.detection.model},
                          {"label", e.detection.label},
                          {"score", json_float(e.detection.score)},
                          {"box", {json_float(box.x0), json_float(box.y0), json_float(box.x1), json_float(box.y1)}}});
        }
        nlohmann::ordered_json j{{"path", im.path.string()}, {"detections", list}};
        std::puts(j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
      }
      if (a.dry_run) {
        ++done;
        continue;
      }
      Status st = write_file_atomic(aseg_path_for(im.path), format_aseg(aseg), Overwrite::kReplace);
      if (st.ok() && !a.masks_dir.empty()) st = write_masks(a.masks_dir, im.path, aseg);
      if (!st.ok()) {
        std::fprintf(stderr, "%s: %s\n", kCommand, st.error().to_string().c_str());
        ++failed;
        continue;
      }
      ++done;
    }
  });
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!a.quiet) {
    std::fprintf(stderr, "%s: %zu images, %zu detections %s\n", kCommand, done, found,
                 rate_and_failures(done, secs, failed).c_str());
  }
  return failed ? kExitSomeFailed : kExitOk;
}

}  // namespace

Runner add_detect_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("detect", "Find faces, heads, persons or hands with YOLO detectors; write .aseg files");
  auto a = std::make_shared<Args>();
  cmd->add_option("PATH", a->paths, "Images, or folders whose still images are searched")->required();
  cmd->add_option("--model", a->model_dirs, "Detector: a catalogue name (face, head, person, hand) or a folder (model.onnx in the imgutils layout); repeat or comma-separate for several")
      ->required()
      ->delimiter(',');
  cmd->add_flag("--json", a->json, "Print one JSON object per image with its detections");
  cmd->add_flag("--dry-run", a->dry_run, "Write nothing");
  cmd->add_option("--masks", a->masks_dir, "Also write one mask PNG per label (union of boxes) into this folder");
  cmd->add_option("--conf", a->confidence, "Confidence threshold (default: by what the model detects)");
  cmd->add_option("--iou", a->iou, "NMS IoU threshold (default: by what the model detects)");
  add_runtime_flags(*cmd, a->runtime);
  cmd->add_flag("-q,--quiet", a->quiet, "Only errors");
  return [a] { return run(*a); };
}

}  // namespace tagforge::cli
