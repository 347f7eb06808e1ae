// What the commands that run a model share: where and how wide it runs, how
// its folder is opened, and the rate the run ends with.
#pragma once

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "infer/model_profile.h"
#include "infer/onnx_model.h"
#include "models/model_registry.h"
#include "pipeline/stage_models.h"

namespace tagforge::cli {

inline void add_runtime_flags(CLI::App& cmd, RuntimeOptions& runtime) {
  cmd.add_option("--threads", runtime.intra_op_threads, "Threads inside one inference (0: one per core)")
      ->capture_default_str();
  cmd.add_option_function<std::string>(
         "--device",
         [&runtime](const std::string& device) {
           if (Status st = set_device(device, runtime); !st.ok()) throw CLI::ValidationError(st.error().message);
         },
         "Where the model runs: cpu, cuda (the first GPU) or cuda:N (needs an ONNX Runtime built with CUDA)")
      ->default_str("cpu");
  cmd.add_flag("--cuda", runtime.cuda, "The same as --device cuda");
}

// The located model opened as a `Model` (Tagger, Detector, Segmenter,
// NsfwClassifier), after `adjust` has changed its profile. On failure prints
// the error prefixed with `command` and returns null.
template <typename Model>
std::unique_ptr<Model> open_located_model(const ModelLocation& loc, const RuntimeOptions& runtime, const char* command,
                                          const std::function<void(ModelProfile&)>& adjust = {}) {
  auto fail = [&](const Error& e) -> std::unique_ptr<Model> {
    std::fprintf(stderr, "%s: %s\n", command, e.to_string().c_str());
    return nullptr;
  };
  auto model = open_stage_model<Model>(loc, runtime, adjust);
  if (!model) return fail(model.error());
  return std::move(*model);
}

// The models of this process: the catalogue, the environment and the lock file.
inline const ModelRegistry& model_registry() {
  static const ModelRegistry registry = ModelRegistry::open();
  return registry;
}

// The model `name_or_dir` (a catalogue name, or a folder: see
// models/model_registry.h) opened as open_located_model does; for a name that
// is not installed, the error says the command that installs it.
template <typename Model>
std::unique_ptr<Model> open_model(const std::string& name_or_dir, const RuntimeOptions& runtime, const char* command,
                                  const std::function<void(ModelProfile&)>& adjust = {}) {
  auto loc = model_registry().locate(name_or_dir);
  if (!loc) {
    std::fprintf(stderr, "%s: %s\n", command, loc.error().to_string().c_str());
    return nullptr;
  }
  return open_located_model<Model>(*loc, runtime, command, adjust);
}

// "in 2.31 s (5.2 images/s); 1 failed": the end of a model command's summary.
inline std::string rate_and_failures(size_t images, double seconds, size_t failed) {
  return fmt::format("in {:.2f} s ({:.2f} images/s){}", seconds, seconds > 0 ? images / seconds : 0.0,
                     failed ? fmt::format("; {} failed", failed) : "");
}

}  // namespace tagforge::cli
