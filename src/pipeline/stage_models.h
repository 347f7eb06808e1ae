// Which model each model stage of `tagforge run` uses: what the config names
// (a catalogue name or a folder), else the catalogue's default for the stage
// when it is installed. "none" turns a stage off. The choices, and the stages
// skipped because their default is not installed, go into the run's summary
// and report, with the command that installs the model.
#pragma once

#include <functional>
#include <memory>
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

// The located model opened as a `Model` (Tagger, Detector, Segmenter,
// NsfwClassifier) after `adjust` has changed its profile (a user's
// thresholds): how `tagforge run` and the single-model commands open one.
template <typename Model>
Result<std::unique_ptr<Model>> open_stage_model(const ModelLocation& location, const RuntimeOptions& runtime,
                                                const std::function<void(ModelProfile&)>& adjust = {}) {
  auto profile = located_model_profile(location);
  if (!profile) return profile.error();
  if (adjust) adjust(*profile);
  return Model::open(std::move(*profile), runtime);
}

// The same, loaded (its session made): how a run's model stage takes its model.
template <typename Model>
Result<std::shared_ptr<Model>> load_stage_model(const ModelLocation& location, const RuntimeOptions& runtime,
                                                const std::function<void(ModelProfile&)>& adjust = {}) {
  auto model = open_stage_model<Model>(location, runtime, adjust);
  if (!model) return model.error();
  TF_RETURN_IF_ERROR((*model)->load());
  return std::shared_ptr<Model>(std::move(*model));
}

// "DIR; model.onnx 123456 1700000000123456789; …" for every file of a model folder (and the
// catalogue's profile for it): part of its stage's fingerprint, so a model replaced in place
// re-runs the stage.
std::string model_identity(const ModelLocation& location);

}  // namespace tagforge
