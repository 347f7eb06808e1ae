#include "infer/onnx_model.h"

#include <onnxruntime_cxx_api.h>
#include <onnxruntime_session_options_config_keys.h>

#include <algorithm>
#include <charconv>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace tagforge {

namespace fs = std::filesystem;

namespace {

// One ORT environment per process, made on first use.
Ort::Env& ort_env() {
  static Ort::Env env(ORT_LOGGING_LEVEL_WARNING, "tagforge");
  return env;
}

Error model_error(const fs::path& file, std::string message) {
  return Error{ErrorCode::kInvalidInput, std::move(message), file};
}

std::vector<TensorSpec> describe(const Ort::Session& session, bool inputs) {
  Ort::AllocatorWithDefaultOptions alloc;
  const size_t n = inputs ? session.GetInputCount() : session.GetOutputCount();
  std::vector<TensorSpec> specs(n);
  for (size_t i = 0; i < n; ++i) {
    specs[i].name = (inputs ? session.GetInputNameAllocated(i, alloc) : session.GetOutputNameAllocated(i, alloc)).get();
    Ort::TypeInfo type = inputs ? session.GetInputTypeInfo(i) : session.GetOutputTypeInfo(i);
    if (type.GetONNXType() != ONNX_TYPE_TENSOR) continue;
    auto info = type.GetTensorTypeAndShapeInfo();
    specs[i].shape = info.GetShape();
    specs[i].is_float32 = info.GetElementType() == ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
  }
  return specs;
}

}  // namespace

struct OnnxModel::Impl {
  fs::path file;
  Ort::Session session{nullptr};
  std::vector<TensorSpec> inputs, outputs;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::string provider;
  std::vector<const char*> output_names;  // point into `outputs`
};

std::vector<std::string> available_execution_providers() {
  try {
    return Ort::GetAvailableProviders();
  } catch (const Ort::Exception&) {
    return {};
  }
}

Status set_device(std::string_view device, RuntimeOptions& options) {
  if (device == "cpu") {
    options.cuda = false;
    return ok_status();
  }
  if (device == "cuda") {
    options.cuda = true;
    options.cuda_device = 0;
    return ok_status();
  }
  if (device.starts_with("cuda:")) {
    const std::string_view n = device.substr(5);
    int value = 0;
    auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), value);
    if (ec == std::errc() && end == n.data() + n.size() && !n.empty() && value >= 0) {
      options.cuda = true;
      options.cuda_device = value;
      return ok_status();
    }
  }
  return Error{ErrorCode::kInvalidInput,
               fmt::format("device must be cpu, cuda or cuda:N (N the GPU's number, from 0), not \"{}\"", device),
               {}};
}

std::string device_name(const RuntimeOptions& options) {
  return options.cuda ? fmt::format("cuda:{}", options.cuda_device) : "cpu";
}

Status check_device_present(const RuntimeOptions& options) {
  if (!options.cuda) return ok_status();
  const std::vector<std::string> providers = available_execution_providers();
  if (std::find(providers.begin(), providers.end(), "CUDAExecutionProvider") != providers.end()) return ok_status();
  return Error{ErrorCode::kInvalidInput,
               fmt::format("{} was asked for, but the ONNX Runtime loaded has no CUDA execution provider (it has: {}); "
                           "build against a GPU build of ONNX Runtime (ORT_DIR=DIR scripts/setup.sh, or cmake "
                           "-DTAGFORGE_ORT_DIR=DIR) or run on the cpu",
                           device_name(options), fmt::join(providers, ", ")),
               {}};
}

Result<std::unique_ptr<OnnxModel>> OnnxModel::load(const fs::path& file, const RuntimeOptions& options) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    return Error{ErrorCode::kNotFound, "no model file here", file};
  }
  auto impl = std::make_unique<Impl>();
  impl->file = file;
  try {
    Ort::SessionOptions so;
    so.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
    so.SetInterOpNumThreads(1);
    if (options.intra_op_threads > 0) so.SetIntraOpNumThreads(options.intra_op_threads);
    // Idle ORT threads yield instead of spinning, so image decoding on the
    // same cores overlaps inference instead of fighting it.
    so.AddConfigEntry(kOrtSessionOptionsConfigAllowIntraOpSpinning, "0");
    impl->provider = "CPUExecutionProvider";
    if (options.cuda) {
      if (Status present = check_device_present(options); !present.ok()) {
        return model_error(file, present.error().message);
      }
      OrtCUDAProviderOptions cuda{};
      cuda.device_id = options.cuda_device;
      so.AppendExecutionProvider_CUDA(cuda);
      impl->provider = "CUDAExecutionProvider";
    }
    impl->session = Ort::Session(ort_env(), file.c_str(), so);
    impl->inputs = describe(impl->session, true);
    impl->outputs = describe(impl->session, false);

    Ort::AllocatorWithDefaultOptions alloc;
    Ort::ModelMetadata meta = impl->session.GetModelMetadata();
    for (auto& key : meta.GetCustomMetadataMapKeysAllocated(alloc)) {
      auto value = meta.LookupCustomMetadataMapAllocated(key.get(), alloc);
      impl->metadata.emplace_back(key.get(), value ? value.get() : "");
    }
  } catch (const Ort::Exception& e) {
    return model_error(file, fmt::format("cannot load the model: {}", e.what()));
  }
  if (impl->inputs.empty() || !impl->inputs[0].is_float32) {
    return model_error(file, "the model's first input is not a float32 tensor");
  }
  for (const TensorSpec& out : impl->outputs) {
    if (!out.is_float32) return model_error(file, fmt::format("output '{}' is not a float32 tensor", out.name));
    impl->output_names.push_back(out.name.c_str());
  }
  return std::unique_ptr<OnnxModel>(new OnnxModel(std::move(impl)));
}

OnnxModel::OnnxModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OnnxModel::~OnnxModel() = default;

const fs::path& OnnxModel::file() const { return impl_->file; }
const std::vector<TensorSpec>& OnnxModel::inputs() const { return impl_->inputs; }
const std::vector<TensorSpec>& OnnxModel::outputs() const { return impl_->outputs; }
const std::string& OnnxModel::provider() const { return impl_->provider; }

std::optional<std::string> OnnxModel::metadata(std::string_view key) const {
  for (const auto& [k, v] : impl_->metadata) {
    if (k == key) return v;
  }
  return std::nullopt;
}

Result<std::vector<Tensor>> OnnxModel::run(std::span<const float> values, std::span<const int64_t> shape,
                                           size_t outputs) const {
  try {
    auto memory = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
    // ORT takes a non-const pointer but does not write to an input.
    Ort::Value input = Ort::Value::CreateTensor<float>(memory, const_cast<float*>(values.data()), values.size(),
                                                       shape.data(), shape.size());
    const char* input_name = impl_->inputs[0].name.c_str();
    std::vector<Ort::Value> outs = impl_->session.Run(Ort::RunOptions{nullptr}, &input_name, &input, 1,
                                                      impl_->output_names.data(),
                                                      std::min(outputs, impl_->output_names.size()));
    std::vector<Tensor> result(outs.size());
    for (size_t i = 0; i < outs.size(); ++i) {
      auto info = outs[i].GetTensorTypeAndShapeInfo();
      result[i].shape = info.GetShape();
      const float* data = outs[i].GetTensorData<float>();
      result[i].values.assign(data, data + info.GetElementCount());
    }
    return result;
  } catch (const Ort::Exception& e) {
    return model_error(impl_->file, fmt::format("inference failed: {}", e.what()));
  }
}

ModelSlot::ModelSlot(fs::path file, RuntimeOptions options) : file_(std::move(file)), options_(options) {}

Result<std::shared_ptr<const OnnxModel>> ModelSlot::get() {
  std::lock_guard lock(mu_);
  if (model_) return model_;
  if (failed_) return *failed_;
  auto loaded = OnnxModel::load(file_, options_);
  if (!loaded) {
    failed_ = loaded.error();
    return *failed_;
  }
  model_ = std::shared_ptr<const OnnxModel>(std::move(*loaded));
  return model_;
}

void ModelSlot::unload() {
  std::lock_guard lock(mu_);
  model_.reset();
  failed_.reset();
}

bool ModelSlot::loaded() const {
  std::lock_guard lock(mu_);
  return model_ != nullptr;
}

}  // namespace tagforge
