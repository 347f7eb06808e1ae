// The options of each stage, defined once (see options.h): the sections of
// the config file, the flags of the commands, the defaults `tagforge init`
// writes. A new option is one line in stage_options.cc.
#pragma once

#include <string>
#include <vector>

#include "media/extract.h"
#include "pipeline/frame_inspector.h"
#include "pipeline/options.h"

namespace tagforge {

// [models]: the model folders the stages use (docs/MODELS.md).
struct ModelsConfig {
  std::vector<std::string> detectors;  // YOLO detector folders (faces, heads, persons, hands, …)
  std::string segmenter;               // an ISNet folder; empty: none
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

void add_models_options(OptionTable& table, ModelsConfig& models);
void add_extract_options(OptionTable& table, ExtractConfig& extract);

}  // namespace tagforge
