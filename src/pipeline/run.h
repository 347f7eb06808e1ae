// `tagforge run IN --out OUT`: the whole pipeline (issue 8). The input is
// never written: it is entered into OUT/.tagforge/work as hard links (or
// copies); clips are expanded into frames; each image and frame goes
// through the per-item stages (item_stages.h) in batches, several batches
// in flight (oneTBB's parallel_pipeline: bounded, so memory stays flat);
// every batch's results are committed to the manifest; then the work folder
// is filed into numbered buckets in OUT (as hard links, journaled; the
// previous filing is undone first) and the exports and report are written.
// A re-run takes every result whose fingerprint still holds from the
// manifest, so a finished run re-runs in seconds and a killed one picks up
// where it stopped.
#pragma once

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/manifest.h"
#include "pipeline/stage_models.h"
#include "pipeline/stage_options.h"
#include "tagforge/error.h"
#include "tagforge/progress.h"

namespace tagforge {

struct RunOptions {
  std::filesystem::path in, out;  // out is ignored with in_place
  // The explicit opt-in to write into the input: sidecars and frames beside
  // its files, the manifest in IN/.tagforge, the metadata files and report at
  // IN's top; no buckets (tagforge sort IN files it, undoably).
  bool in_place = false;
  RunConfig config;
  std::optional<std::pair<uint64_t, uint64_t>> shard;  // (index, count)
  std::filesystem::path data_dir;                      // tag database and lexicon; empty: found
  StageProgress* progress = nullptr;  // a bar per stage; may be null
};

struct StageCount {
  size_t computed = 0, reused = 0, failed = 0;  // failed: this run's failures and the final ones it kept
  size_t fell_back = 0;                         // computed, as a fallback the next run computes again
  double seconds = 0;  // wall time of the passes that computed it (stage by stage), else 0
  // Its calls' time summed (they run at once: busy time, not wall time) and the images they
  // computed: images / busy_seconds is the rate of one stream of calls (stage_times.h).
  double busy_seconds = 0;
  size_t timed_images = 0;
  double images_per_busy_second() const { return double(timed_images) / std::max(busy_seconds, 1e-9); }
};

struct RunSummary {
  size_t items = 0, clips = 0, frames = 0, files = 0, unknown = 0, broken = 0, skipped_by_shard = 0;
  size_t dropped = 0;   // files of an earlier run whose input is gone, taken out of the output
  size_t written = 0;   // items whose sidecars are complete and final
  size_t fell_back = 0;  // items written, but with a fallback the next run computes again (StageResult::retry)
  size_t flagged = 0;   // items flagged for review
  size_t untagged = 0;  // items with no tags from any source: filed under missing_tags
  size_t low_quality = 0;  // stills below the [quality] gate: into low_quality_N, flagged, or only counted
  std::map<std::string, StageCount> stages;
  std::vector<DuplicateRow> duplicates;  // the images [dedupe] set aside (into duplicates_N), and of whom
  std::vector<StageModel> models;  // what each model stage ran with, or why it did not
  std::vector<std::string> model_errors;                     // models that failed to load: their stages are off
  std::vector<std::pair<std::string, std::string>> errors;   // path, "stage: message"
  std::map<std::string, double> phase_seconds;               // check (a settled run), inputs, items, export, report
  double seconds = 0;
  // Nothing had changed since the last run, which was settled (settled.h): its outputs were
  // checked, nothing was computed or written but what was missing from the buckets.
  bool settled = false;
};

// Where a stage computed: its model's device ("cpu", "cuda:0"); "cpu" for a stage without a model.
std::string stage_device(const RunSummary& summary, const std::string& stage);

// Errors: the configuration or the output cannot be used (the run does not
// start), the manifest fails. Item failures are in the summary.
Result<RunSummary> run_pipeline(const RunOptions& options);

}  // namespace tagforge
