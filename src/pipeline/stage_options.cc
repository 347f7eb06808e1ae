#include "pipeline/stage_options.h"

namespace tagforge {

namespace {

constexpr std::pair<double, double> kUnit{0.0, 1.0};
constexpr std::pair<double, double> kNonNegative{0.0, 1e9};
constexpr std::pair<double, double> kCount{0.0, 1e6};
constexpr std::pair<double, double> kSide{0.0, 65536.0};

// Adds the options of one section.
struct Section {
  OptionTable& table;
  std::string name;
  void add(std::string key, std::string help, OptionTarget target,
           std::optional<std::pair<double, double>> range = std::nullopt, std::vector<std::string> choices = {}) {
    table.push_back(OptionDef{name, std::move(key), std::move(help), target, range, std::move(choices)});
  }
};

}  // namespace

ExtractConfig::ExtractConfig() {
  frames.selection.similarity_threshold = 0.92f;
  frames.selection.shift_sensitivity = 0.5f;
}

void ExtractConfig::resolve() {
  inspect.crop.snap = crop_snap == "square"   ? CropOptions::Snap::kSquare
                      : crop_snap == "bucket" ? CropOptions::Snap::kBucket
                                              : CropOptions::Snap::kNone;
}

void add_models_options(OptionTable& table, ModelsConfig& m) {
  Section t{table, "models"};
  t.add("detectors", "YOLO detector folders (imgutils layout: faces, heads, persons, hands)", &m.detectors);
  t.add("segmenter", "Subject segmenter folder (ISNet); empty: none", &m.segmenter);
}

void add_extract_options(OptionTable& table, ExtractConfig& e) {
  Section t{table, "extract"};
  SelectionSettings& s = e.frames.selection;
  ExtractOptions& f = e.frames;
  t.add("gfps", "Most frames kept per second of a GIF (0: all)", &f.gfps, kNonNegative);
  t.add("vfps", "Most frames kept per second of a video (0: all)", &f.vfps, kNonNegative);
  t.add("minimum_frames", "Fewest frames per slice (pruning relaxed to reach it)", &s.minimum_frames, kCount);
  t.add("maximum_frames", "Most frames per slice (0: no limit; the most distinct kept)", &s.maximum_frames, kCount);
  t.add("forced_slices", "Cut each clip into N equal slices (0: off)", &s.forced_slices, kCount);
  t.add("slice_seconds", "Cut each clip every S seconds (0: off)", &s.slice_seconds, kNonNegative);
  t.add("shift_detection_sensitivity",
        "0 off; up to 1: a scene cut starts a new slice (see src/media/frame_features.h)", &s.shift_sensitivity, kUnit);
  t.add("similarity_threshold", "Prune a frame at least this similar to the last kept one (0 off, 1 only identical)",
        &s.similarity_threshold, kUnit);
  t.add("minimum_resolution", "Upscale so the short side is at least this (0: off)", &f.minimum_resolution, kSide);
  t.add("maximum_resolution", "Downscale so the long side is at most this (0: off)", &f.maximum_resolution, kSide);
  t.add("format", "Frame files: png, jpg or webp", &f.format, std::nullopt, {"png", "jpg", "webp"});
  t.add("require_segments",
        "Keep only frames where the detectors find each of these labels (\"subject\": the segmenter's mask)",
        &e.inspect.require_segments);
  t.add("crop_position", "Crop kept frames to: faces, heads, persons, torsos, subjects (empty: none)",
        &e.inspect.crop_position, std::nullopt,
        {"", "face", "faces", "head", "heads", "person", "persons", "torso", "torsos", "subject", "subjects"});
  t.add("crop_margin", "Margin around the crop, as a share of its width and height", &e.inspect.crop.margin,
        std::pair{0.0, 10.0});
  t.add("crop_snap", "Grow the crop to a square, or to the nearest SDXL bucket's aspect: none, square, bucket",
        &e.crop_snap, std::nullopt, {"none", "square", "bucket"});
}

}  // namespace tagforge
