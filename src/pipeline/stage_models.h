// Which model each model stage of `tagforge run` uses: what the config names
// (a catalogue name or a folder), else the catalogue's default for the stage
// when it is installed. "none" turns a stage off. The choices, and the stages
// skipped because their default is not installed, go into the run's summary
// and report, with the command that installs the model.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "infer/model_profile.h"
#include "models/model_registry.h"
#include "pipeline/stage_options.h"

namespace tagforge {

struct StageModel {
  std::string stage;  // kStageTagger, kStageDetect, kStageSegment, kStageNsfw
  std::string model;  // the catalogue name, or the folder as given
  std::optional<ModelLocation> location;  // set when it is to run
  bool by_default = false;  // the catalogue's default, not the config's choice
  // When it does not run: "not installed: run `tagforge models pull NAME`",
  // or the error locating a configured model (then `failed`).
  std::string why_not;
  bool failed = false;  // a model the config named could not be found
  std::string device;   // where it ran ("cpu", "cuda:0"), once loaded
};

// One entry per model the stages would use, in stage order; nothing for a
// stage set to "none". Never touches the network.
std::vector<StageModel> choose_stage_models(const ModelsConfig& config, const ModelRegistry& registry);

// The profile of a located model: its folder's files or model.toml, or the
// catalogue's profile; named by its catalogue name when it has one (not by
// its snapshot folder, a commit id).
Result<ModelProfile> located_model_profile(const ModelLocation& location);

}  // namespace tagforge
