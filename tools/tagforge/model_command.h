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

namespace tagforge::cli {

inline void add_runtime_flags(CLI::App& cmd, RuntimeOptions& runtime) {
  cmd.add_option("--threads", runtime.intra_op_threads, "Threads inside one inference (0: one per core)")
      ->capture_default_str();
  cmd.add_flag("--cuda", runtime.cuda, "Run on the GPU (needs an ONNX Runtime built with CUDA)");
  cmd.add_option("--cuda-device", runtime.cuda_device, "Which GPU")->capture_default_str();
}

// The model folder `dir` opened as a `Model` (Tagger, Detector, Segmenter,
// NsfwClassifier), after `adjust` has changed its profile. On failure prints
// the error prefixed with `command` and returns null; when the folder could
// not be read and is the set-up's `default_dir`, also says that
// `fetch_script` fetches it.
template <typename Model>
std::unique_ptr<Model> open_model(const std::string& dir, const RuntimeOptions& runtime, const char* command,
                                  const std::function<void(ModelProfile&)>& adjust = {},
                                  const char* default_dir = nullptr, const char* fetch_script = nullptr) {
  auto profile = read_model_profile(dir);
  if (!profile) {
    std::fprintf(stderr, "%s: %s\n", command, profile.error().to_string().c_str());
    if (default_dir && fetch_script && dir == default_dir) {
      std::fprintf(stderr, "%s: %s fetches the default model\n", command, fetch_script);
    }
    return nullptr;
  }
  if (adjust) adjust(*profile);
  auto model = Model::open(std::move(*profile), runtime);
  if (!model) {
    std::fprintf(stderr, "%s: %s\n", command, model.error().to_string().c_str());
    return nullptr;
  }
  return std::move(*model);
}

// "in 2.31 s (5.2 images/s); 1 failed": the end of a model command's summary.
inline std::string rate_and_failures(size_t images, double seconds, size_t failed) {
  return fmt::format("in {:.2f} s ({:.2f} images/s){}", seconds, seconds > 0 ? images / seconds : 0.0,
                     failed ? fmt::format("; {} failed", failed) : "");
}

}  // namespace tagforge::cli
