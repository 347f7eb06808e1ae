// One per-item stage of `tagforge run` (tagger, detect, segment, nsfw, phash,
// tags, check, caption, score): what it reads, what its result's fingerprint
// is made of, and how it computes the result. The batch runner
// (item_stages.cc) knows stages only through this interface; each stage is
// one file pair in this folder, registered by one line in registry.cc, and
// exposes the typed functions its single-stage command calls too (`tagforge
// detect` calls detect_stage.h's, and so on), so each stage is written once.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "media/resample.h"
#include "infer/onnx_model.h"
#include "models/model_registry.h"
#include "pipeline/item_state.h"
#include "pipeline/run_context.h"

namespace tagforge {

// What a stage computes from: the item (its file, its own tags and caption,
// the results of the stages it reads, all there) and its decoded image.
struct StageInput {
  const ItemState& item;
  const Image8* image;  // always there for a stage that reads_image(); else when the batch decoded it
  const RunContext& context;
};

// A stage's outcome for one item: its result's JSON, or why there is none.
struct StageOutput {
  std::string data;
  std::string error;      // set: the stage failed on the item (transient: the next run tries again)
  bool fallback = false;  // `data` stands in for a better result a transient fault kept away
};
inline StageOutput stage_ok(std::string data, bool fallback = false) { return {std::move(data), "", fallback}; }
// A result's JSON as its text: the bytes the manifest keeps, written the same way by every stage.
inline std::string result_text(const nlohmann::ordered_json& result) {
  return result.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}
inline StageOutput stage_failed(std::string message) { return {"", std::move(message), false}; }

// What a stage's fingerprint is made of besides its own settings.
struct FingerprintInputs {
  const ItemState& item;  // its hash, its own tag and caption sidecars
  const std::map<std::string, std::string>& fingerprints;  // of the stages before it that apply
  const ReviewEdit& edit;                                   // a person's edits of the item
  const RunContext& context;
  // The fingerprint of an earlier stage; "" when that stage does not apply.
  std::string of(const char* stage) const {
    auto f = fingerprints.find(stage);
    return f == fingerprints.end() ? std::string() : f->second;
  }
  // The fingerprint of the tags a caption is made from: the check's when it applies, else the tags'.
  std::string of_checked_tags() const {
    std::string check = of(kStageCheck);
    return check.empty() ? of(kStageTags) : check;
  }
};

class ItemStage {
 public:
  virtual ~ItemStage() = default;

  virtual const char* name() const = 0;
  // The stages whose results it reads (each earlier in the registry).
  virtual std::vector<const char*> inputs(const RunContext&) const { return {}; }
  // It reads the pixels: the batch decodes each image once for all such stages.
  virtual bool reads_image() const { return false; }
  // It reads nothing but the pixels: it runs at once with the other such stages.
  virtual bool reads_only_the_image() const { return false; }
  // It computes a batch in one call (compute_batch): a model that takes batches.
  virtual bool batched() const { return false; }
  // It runs a model: run stage by stage, it has a pass of its own.
  virtual bool runs_a_model() const { return false; }
  // It has something to run on in this run (its model loaded); the progress bar lists it.
  virtual bool applies(const RunContext&) const { return true; }
  // A stage that runs a model: its key in [models], also the catalogue's name for the stage whose
  // defaults it takes ("tagger", "detectors", …); the key's declaration in [models]; and the models
  // the config names there (none: the catalogue's installed defaults; "none": the stage is off).
  virtual const char* model_key() const { return nullptr; }
  virtual void add_model_option(OptionSection&, ModelsConfig&) const {}
  virtual std::vector<std::string> models_named(const ModelsConfig&) const { return {}; }
  // A stage that runs a model: opens and loads it from `location` into `c` (with the identity its
  // fingerprint takes; a stage of several models, such as the detectors, is given each in turn).
  virtual Status load_model(const ModelLocation& location, const RuntimeOptions& runtime, RunContext& c) const;
  // Frees its models' memory; each loads again when next run.
  virtual void unload_models(const RunContext&) const {}
  // It waits on a server: the batch's items are computed at once, each on a thread of its own.
  virtual bool asks_a_server(const RunContext&) const { return false; }

  // Declares the options section it owns ([tag], [check], …) in the run's table (RunConfig::table,
  // in the registry's order), pointing at where `config` keeps their values.
  virtual void add_options(OptionTable&, RunConfig&) const {}

  // The hash of what its result is computed from (stage_fingerprint); none when the stage
  // does not apply to the item in this run. Stages are asked in the registry's order.
  virtual std::optional<std::string> fingerprint(const FingerprintInputs& in) const = 0;

  // The item's result. Never throws.
  virtual StageOutput compute(const StageInput& in) const = 0;
  // A batch's results in one call (a model that takes batches); by default, one compute each.
  virtual std::vector<StageOutput> compute_batch(std::span<const StageInput> in) const;
};

// What a [models] key that holds one name names (ItemStage::models_named): none when it is
// empty, so the catalogue's defaults are taken.
inline std::vector<std::string> one_model_named(const std::string& name) {
  return name.empty() ? std::vector<std::string>{} : std::vector<std::string>{name};
}

// The registered stages, in the order they run (each after the ones it reads): registry.cc.
std::span<const ItemStage* const> item_stages();
// The stage of that name; null when none is.
const ItemStage* find_item_stage(std::string_view name);
// A stage's place in item_stages(); item_stages().size() for a name that is none of them.
size_t item_stage_index(std::string_view name);

// The hash of what a stage's result was computed from (with the stages'
// version, so a change in how stages compute re-runs them).
std::string stage_fingerprint(std::initializer_list<std::string_view> parts);

}  // namespace tagforge
