#include "infer/segmenter.h"

#include <fmt/format.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>

#include "media/resize_imgly.h"

namespace tagforge {

namespace {

// RGB bytes from 1, 3 or 4 channels; alpha dropped, not composited (as imgly).
Image8 rgb_of(const Image8& in) {
  if (in.channels == 3) return in;
  Image8 out{in.width, in.height, 3, std::vector<uint8_t>(size_t(in.width) * in.height * 3)};
  for (size_t i = 0, n = size_t(in.width) * in.height; i < n; ++i) {
    for (int c = 0; c < 3; ++c) out.pixels[i * 3 + c] = in.pixels[i * in.channels + (in.channels == 1 ? 0 : c)];
  }
  return out;
}

}  // namespace

Segmenter::Segmenter(ModelProfile profile, const RuntimeOptions& runtime)
    : profile_(std::move(profile)), slot_(profile_.model_file, runtime) {}

Result<std::unique_ptr<Segmenter>> Segmenter::open(ModelProfile profile, const RuntimeOptions& runtime) {
  if (profile.kind != ModelKind::kIsnet) {
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("this is a {} model, not a segmenter (a segmenter's model.toml says kind = \"isnet\")",
                             model_kind_name(profile.kind)),
                 profile.model_file.parent_path()};
  }
  std::unique_ptr<Segmenter> s(new Segmenter(std::move(profile), runtime));
  auto model = s->slot_.get();
  if (!model) return model.error();
  const auto& in = (*model)->inputs()[0].shape;
  const auto& out = (*model)->outputs()[0].shape;
  const auto& file = s->profile_.model_file;
  if (in.size() != 4 || in[1] != 3) return Error{ErrorCode::kInvalidInput, "the input is not [1, 3, S, S]", file};
  if (in[2] > 0) s->size_ = int(in[2]);
  if (s->profile_.size_from_profile) s->size_ = s->profile_.input.size;
  if (out.size() != 4 || out[1] != 1) {
    return Error{ErrorCode::kInvalidInput, "the first output is not a one-channel mask [1, 1, S, S]", file};
  }
  return s;
}

Result<Image8> Segmenter::segment(const Image8& image) {
  auto model = slot_.get();
  if (!model) return model.error();
  const Image8 rgb = rgb_of(image);
  return profile_.preprocess == SegmenterPreprocess::kImgly ? segment_imgly(rgb, **model)
                                                             : segment_imgutils(rgb, **model);
}

std::vector<float> imgly_input(const Image8& rgb, int s) {
  const Image8 square = resize_bilinear_like_imgly(rgb, s, s);
  const size_t plane = size_t(s) * s;
  std::vector<float> tensor(plane * 3);
  for (size_t i = 0; i < plane; ++i) {
    for (size_t c = 0; c < 3; ++c) tensor[c * plane + i] = (float(square.pixels[i * 3 + c]) - 128.0f) / 256.0f;
  }
  return tensor;
}

Image8 imgly_mask(std::span<const float> output, int s, int width, int height) {
  const size_t plane = size_t(s) * s;
  Image8 mask{s, s, 1, std::vector<uint8_t>(plane)};
  for (size_t i = 0; i < plane; ++i) {
    // A Uint8Array store: truncation toward zero, modulo 256 (NaN: 0).
    const float v = output[i] * 255.0f;
    mask.pixels[i] = std::isnan(v) ? 0 : uint8_t(int64_t(v) & 0xFF);
  }
  return resize_bilinear_like_imgly(mask, width, height);
}

Result<std::vector<float>> Segmenter::run_square(const OnnxModel& model, std::span<const float> tensor) const {
  const int64_t shape[] = {1, 3, size_, size_};
  auto outputs = model.run(tensor, shape, 1);
  if (!outputs) return outputs.error();
  Tensor& t = (*outputs)[0];
  const size_t plane = size_t(size_) * size_;
  if (t.values.size() != plane) {
    return Error{ErrorCode::kInvalidInput, fmt::format("the mask has {} values, not {}", t.values.size(), plane),
                 profile_.model_file};
  }
  return std::move(t.values);
}

Result<Image8> Segmenter::segment_imgly(const Image8& rgb, const OnnxModel& model) const {
  const int s = size_;
  const std::vector<float> tensor = imgly_input(rgb, s);
  auto mask_values = run_square(model, tensor);
  if (!mask_values) return mask_values.error();
  const std::vector<float>& values = *mask_values;
  return imgly_mask(values, s, rgb.width, rgb.height);
}

Result<Image8> Segmenter::segment_imgutils(const Image8& rgb, const OnnxModel& model) const {
  const int s = size_;
  const int w0 = rgb.width, h0 = rgb.height;
  const int h = h0 > w0 ? s : int(double(s) * h0 / w0);
  const int w = h0 > w0 ? int(double(s) * w0 / h0) : s;
  const int top = (s - h) / 2, left = (s - w) / 2;
  cv::Mat src(h0, w0, CV_8UC3, const_cast<uint8_t*>(rgb.pixels.data())), scaled, resized;
  src.convertTo(scaled, CV_32FC3, 1.0 / 255.0);
  cv::resize(scaled, resized, cv::Size(std::max(1, w), std::max(1, h)), 0, 0, cv::INTER_LINEAR);
  const size_t plane = size_t(s) * s;
  std::vector<float> tensor(plane * 3, 0.0f);
  for (int y = 0; y < resized.rows; ++y) {
    const float* row = resized.ptr<float>(y);
    for (int x = 0; x < resized.cols; ++x) {
      for (size_t c = 0; c < 3; ++c) tensor[c * plane + size_t(y + top) * s + size_t(x + left)] = row[x * 3 + c];
    }
  }
  auto mask_values = run_square(model, tensor);
  if (!mask_values) return mask_values.error();
  const std::vector<float>& values = *mask_values;
  cv::Mat full(s, s, CV_32FC1, const_cast<float*>(values.data()));
  cv::Mat crop = full(cv::Rect(left, top, std::max(1, w), std::max(1, h))), back;
  cv::resize(crop, back, cv::Size(w0, h0), 0, 0, cv::INTER_LINEAR);
  Image8 mask{w0, h0, 1, std::vector<uint8_t>(size_t(w0) * h0)};
  for (int y = 0; y < h0; ++y) {
    const float* row = back.ptr<float>(y);
    for (int x = 0; x < w0; ++x) {
      mask.pixels[size_t(y) * w0 + x] = uint8_t(std::lround(std::clamp(row[x], 0.0f, 1.0f) * 255.0f));
    }
  }
  return mask;
}

}  // namespace tagforge
