#include "pipeline/stage_options.h"

#include "pipeline/stages/item_stage.h"

namespace tagforge {

namespace {

constexpr std::pair<double, double> kNonNegative{0.0, 1e9};
constexpr std::pair<double, double> kCount{0.0, 1e6};
constexpr std::pair<double, double> kSide{0.0, 65536.0};

using Section = OptionSection;

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

void add_run_options(OptionTable& table, RunSection& r) {
  Section t{table, "run"};
  t.add("batch", "Items per batch; model stages run a batch at once", &r.batch, std::pair{1.0, 4096.0});
  t.add("workers",
        "Batches in flight at once, and the threads that run them and their stages (0: one per core); memory grows "
        "with it",
        &r.workers, kCount);
  t.add("stage_by_stage", "Run each model stage over everything before loading the next model (small machines)",
        &r.stage_by_stage);
  t.add("sort", "File the outputs into numbered buckets (images_1, missing_tags_1, gifs_1, …)", &r.sort);
  t.add("bucket_size", "Media files per bucket", &r.bucket_size, std::pair{1.0, 1e9});
  t.add("rebalance",
        "Plan every bucket afresh, in natural order; otherwise each file stays in the bucket the last run put it in "
        "and new ones fill the gaps",
        &r.rebalance);
  t.add("link", "How inputs enter the output: hardlink (a copy across devices) or copy", &r.link, std::nullopt,
        {"hardlink", "copy"});
  t.add("retry_failed", "Compute again what failed for the item's own reasons (a broken image); otherwise kept as failed",
        &r.retry_failed);
  t.add("accept_fallbacks",
        "Keep the results that fell back after a transient fault (an LLM that did not answer) as final; otherwise "
        "the next run computes them again",
        &r.accept_fallbacks);
  t.add("fallback_runs", "Runs in a row that may fall back on an item before its fallback is kept as final",
        &r.fallback_runs, std::pair{1.0, 1e6});
}

void add_models_options(OptionTable& table, ModelsConfig& m) {
  Section t{table, "models"};
  for (const ItemStage* stage : item_stages()) stage->add_model_option(t, m);  // tagger, detectors, …
  t.add("threads",
        "Threads inside one inference (0: run shares the cores out between the batches in flight; one a batch "
        "when there are as many as cores)",
        &m.threads, kCount);
  t.add("device", "Where the models run: cpu, cuda (the first GPU) or cuda:N (needs an ONNX Runtime built with CUDA)",
        &m.device);
}





void add_export_options(OptionTable& table, ExportConfig& c) {
  Section t{table, "export"};
  t.add("kohya", "Write meta_cap_dd.json (kohya-ss sd-scripts fine-tuning metadata)", &c.kohya);
  t.add("huggingface", "Write metadata.jsonl (Hugging Face imagefolder)", &c.huggingface);
  t.add("report", "Write report.html", &c.report);
}

void add_dedupe_options(OptionTable& table, DedupeConfig& c) {
  Section t{table, "dedupe"};
  t.add("exact_copies", "Set aside exact copies (the same bytes) into duplicates_N, keeping one", &c.exact_copies);
  t.add("near_copies", "Set aside near copies (resized, re-encoded, cropped a little, watermarked), keeping the best",
        &c.near_copies);
  t.add("near_threshold", "Bits of 64 two perceptual hashes may differ by and still be one picture", &c.near_threshold,
        std::pair{0.0, 32.0});
  t.add("mirrored_copies", "A left-right mirror of an image is a copy of it", &c.mirrored_copies);
}

OptionTable RunConfig::table() {
  OptionTable t;
  add_run_options(t, run);
  add_models_options(t, models);
  add_extract_options(t, extract);
  for (const ItemStage* stage : item_stages()) stage->add_options(t, *this);  // [tag], [check], [caption], [score]
  add_export_options(t, exports);
  add_dedupe_options(t, dedupe);
  return t;
}

std::string section_text(const OptionTable& table, std::string_view section) {
  OptionTable part;
  for (const OptionDef& d : table) {
    const bool inside = d.section == section ||
                        (d.section.size() > section.size() && d.section.compare(0, section.size(), section) == 0 &&
                         d.section[section.size()] == '.');
    if (inside && d.affects_results) part.push_back(d);
  }
  return format_config(part, "", false);  // a reworded help must not re-run a stage
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
        "0 off; up to 1: a scene cut starts a new slice (see src/media/frame_features.h)", &s.shift_sensitivity, kUnitRange);
  t.add("similarity_threshold", "Prune a frame at least this similar to the last kept one (0 off, 1 only identical)",
        &s.similarity_threshold, kUnitRange);
  FrameGateSettings& g = f.gate;
  t.add("frame_gate", "Judge candidate frames: blurry for their clip, too dark, too bright (false: take them as they come)",
        &g.enabled);
  t.add("sharpest_window", "Share of the sampling interval searched for the sharpest frame after each sampling time",
        &g.sharpest_window, kUnitRange);
  t.add("min_relative_sharpness", "A frame under this share of its slice's median sharpness is blurry (0: off)",
        &g.min_relative_sharpness, kUnitRange);
  t.add("min_frame_luma", "A frame whose mean luma (0-255) is under this is too dark (0: off)", &g.min_luma_mean,
        std::pair{0.0, 255.0});
  t.add("max_frame_luma", "A frame whose mean luma (0-255) is over this is too bright (0: off)", &g.max_luma_mean,
        std::pair{0.0, 255.0});
  t.add("crop_bars", "Crop letterbox and pillarbox bars off the frames", &g.crop_bars);
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
