// The flags every command that runs a model shares: where and how wide.
#pragma once

#include <CLI/CLI.hpp>

#include "infer/onnx_model.h"

namespace tagforge::cli {

inline void add_runtime_flags(CLI::App& cmd, RuntimeOptions& runtime) {
  cmd.add_option("--threads", runtime.intra_op_threads, "Threads inside one inference (0: one per core)")
      ->capture_default_str();
  cmd.add_flag("--cuda", runtime.cuda, "Run on the GPU (needs an ONNX Runtime built with CUDA)");
  cmd.add_option("--cuda-device", runtime.cuda_device, "Which GPU")->capture_default_str();
}

}  // namespace tagforge::cli
