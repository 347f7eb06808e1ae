// The options of each stage, defined once (see options.h): the sections of
// the config file, the flags of the commands, the defaults `tagforge init`
// writes. A new option is one line in stage_options.cc.
#pragma once

#include <string>
#include <vector>

#include "caption/llm_caption.h"
#include "media/extract.h"
#include "media/image_quality.h"
#include "pipeline/frame_inspector.h"
#include "pipeline/options.h"

namespace tagforge {

// [run]: how `tagforge run` goes about it.
struct RunSection {
  int batch = 8;                // items per batch: model stages run a batch at once
  int workers = 0;              // batches in flight at once; 0: one per core
  bool stage_by_stage = false;  // each model stage over everything before the next model loads
  bool sort = true;             // file the outputs into numbered buckets
  int bucket_size = 1000;       // media files per bucket
  bool rebalance = false;       // plan every bucket afresh, not each file where the last run put it
  std::string link = "hardlink";  // how inputs enter the output: hardlink (copy across devices) or copy
  // What a re-run computes again besides what changed (StageResult::retry):
  bool retry_failed = false;      // also the items' own failures (a broken image), once final
  bool accept_fallbacks = false;  // not the fallbacks after transient faults: they become final
  int fallback_runs = 3;          // runs in a row that may fall back on an item before its fallback is final
};

// [models]: the models the stages use (docs/MODELS.md): each a catalogue
// name or a folder; empty: the catalogue's default when it is installed
// (stage_models.h); "none" (["none"] for detectors): that stage is off.
struct ModelsConfig {
  std::string tagger;                  // WD v3 or JoyTag
  std::vector<std::string> detectors;  // YOLO detectors (faces, heads, persons, hands, …)
  std::string segmenter;               // an ISNet
  std::string nsfw;                    // the NSFW classifier
  // Threads inside one inference; 0: the run's cores shared out between the batches in flight
  // (one a batch when there are as many batches as cores), a single-model command's all cores.
  int threads = 0;
  std::string device = "cpu";  // cpu, cuda or cuda:N (set_device)
};

// [tag]: tag files, and the tagger's thresholds.
struct TagConfig {
  std::string extension = ".txt";
  float general_threshold = -1;    // < 0: the model's own
  float character_threshold = -1;  // < 0: the model's own
  bool mcut = false;
};

// [check]: tags held against the pixels (needs detectors or a segmenter).
struct CheckConfig {
  std::string fix = "flag";  // none, flag, replace
  std::string review_tag = "needs_review";
};

// [caption]: the deterministic English caption, and optionally an LLM's.
struct CaptionConfig {
  std::string extension = ".caption";
  std::string trigger;
  bool artist = false;
  bool keep_unknown = true;
  LlmCaptionConfig llm;  // [caption.llm], [caption.llm.local], [caption.llm.remote] (docs/LLM.md)
};

// [score]: how captions are scored and flagged.
struct ScoreConfig {
  double flag_below = 0.40;
  bool quality_tags = true;
};

// [quality]: the gate for stills (issue 24; media/image_quality.h, stages/quality_stage.h).
struct QualityConfig {
  std::string action = "move";  // a still that fails: move (into low_quality_N), flag (the review tag), none
  QualityGate gate;
};

// [export]: what is written beside the buckets.
struct ExportConfig {
  bool kohya = true;        // meta_cap_dd.json (kohya-ss sd-scripts' fine-tuning metadata)
  bool huggingface = true;  // metadata.jsonl (the imagefolder layout)
  bool report = true;       // report.html
};

// [dedupe]: exact and near copies across the whole dataset (issue 21):
// all but the best of each group go to duplicates_N (dedupe/near_copies.h).
struct DedupeConfig {
  bool exact_copies = true;      // the same bytes
  bool near_copies = true;       // the same picture resized, re-encoded, cropped a little, watermarked
  int near_threshold = 8;        // bits of 64 (near_copies.h: why 8)
  bool mirrored_copies = false;  // a left-right mirror counts as a copy
};

// [extract]: frames out of GIFs and videos (issue 7).
struct ExtractConfig {
  ExtractConfig();
  ExtractOptions frames;
  FrameInspectorSettings inspect;
  std::string crop_snap = "none";  // none, square, bucket

  // What the strings stand for, applied (crop_snap -> inspect.crop.snap).
  void resolve();
};

void add_run_options(OptionTable& table, RunSection& run);
void add_models_options(OptionTable& table, ModelsConfig& models);
void add_extract_options(OptionTable& table, ExtractConfig& extract);
void add_export_options(OptionTable& table, ExportConfig& exports);
void add_dedupe_options(OptionTable& table, DedupeConfig& dedupe);

// Everything `tagforge run` takes, section by section, and its one table.
struct RunConfig {
  RunSection run;
  ModelsConfig models;
  ExtractConfig extract;
  TagConfig tag;
  CheckConfig check;
  CaptionConfig caption;
  ScoreConfig score;
  QualityConfig quality;
  ExportConfig exports;
  DedupeConfig dedupe;
  // Points into this object: keep it where it is while the table is used.
  OptionTable table();
};

// The sections of `table` named `section`, as text (key = value lines): what a
// stage's fingerprint is made of, so that changing an option re-runs its stage.
std::string section_text(const OptionTable& table, std::string_view section);

}  // namespace tagforge
