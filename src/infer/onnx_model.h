// An ONNX model loaded into ONNX Runtime. This file and onnx_model.cc are the
// only places that include ORT's headers; everything else sees float tensors.
//
// One OnnxModel is shared by every worker: ORT's Run is thread-safe on one
// session. ModelSlot loads a model on first use and lets the pipeline unload
// it when its stage drains; runs already in flight keep their reference.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tagforge/error.h"

namespace tagforge {

struct RuntimeOptions {
  int intra_op_threads = 0;  // threads inside one Run; 0: ORT's default (one per core)
  bool cuda = false;         // run on the CUDA execution provider; an error if the library lacks it
  int cuda_device = 0;
};

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;  // -1 (or a symbolic name in the file) where dynamic
  bool is_float32 = false;
};

// A float32 tensor, row-major.
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> values;
};

class OnnxModel {
 public:
  // Errors name the file: missing, not ONNX, an operator this runtime lacks,
  // a model whose first input or any output is not float32, CUDA asked for
  // but absent.
  static Result<std::unique_ptr<OnnxModel>> load(const std::filesystem::path& file,
                                                  const RuntimeOptions& options);
  ~OnnxModel();
  OnnxModel(const OnnxModel&) = delete;
  OnnxModel& operator=(const OnnxModel&) = delete;

  const std::filesystem::path& file() const;
  const std::vector<TensorSpec>& inputs() const;
  const std::vector<TensorSpec>& outputs() const;
  // The model's custom metadata (e.g. an Ultralytics export's `names`, `imgsz`).
  std::optional<std::string> metadata(std::string_view key) const;
  // "CPUExecutionProvider" or "CUDAExecutionProvider".
  const std::string& provider() const;

  // Feeds `values` (shaped `shape`) to the first input; returns the first
  // `outputs` outputs (all by default) in the model's order. Thread-safe.
  Result<std::vector<Tensor>> run(std::span<const float> values, std::span<const int64_t> shape,
                                  size_t outputs = SIZE_MAX) const;

 private:
  struct Impl;
  explicit OnnxModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The execution providers compiled into the ONNX Runtime library loaded.
std::vector<std::string> available_execution_providers();

// `device` as the config and --device say it: "cpu", "cuda" (the first GPU) or "cuda:N", set
// into `options`; an error quotes a text that is none of these.
Status set_device(std::string_view device, RuntimeOptions& options);
// What `options` run on: "cpu" or "cuda:N".
std::string device_name(const RuntimeOptions& options);
// An error when `options` ask for CUDA and the ONNX Runtime loaded has no CUDA execution
// provider, naming the providers it has; ok otherwise.
Status check_device_present(const RuntimeOptions& options);

// A model loaded on first use, unloaded on request, shared by workers.
class ModelSlot {
 public:
  ModelSlot(std::filesystem::path file, RuntimeOptions options);

  // Loads the model if it is not loaded. A failed load is returned to
  // every caller until unload() (so a broken model is reported once per
  // stage, not once per image, by callers that stop on the first error).
  Result<std::shared_ptr<const OnnxModel>> get();
  // Drops the slot's reference; callers that still hold one finish with it.
  void unload();
  bool loaded() const;
  const std::filesystem::path& file() const { return file_; }

 private:
  const std::filesystem::path file_;
  const RuntimeOptions options_;
  mutable std::mutex mu_;
  std::shared_ptr<const OnnxModel> model_;
  std::optional<Error> failed_;
};

}  // namespace tagforge
