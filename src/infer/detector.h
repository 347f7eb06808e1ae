// A YOLO detector in the deepghs/imgutils layout: model.onnx whose metadata
// holds the class names (`names`) and the input side (`imgsz`, default 640).
// An image is composited on white, stretched to the model's input (a fixed
// input shape, or for a dynamic one the image scaled down to fit imgsz and
// each side rounded up to a multiple of 32, as imgutils does) with Pillow's
// BICUBIC, RGB /255 NCHW; the output is decoded by yolo_decode.h.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "infer/model_profile.h"
#include "infer/onnx_model.h"
#include "media/resample.h"
#include "tagforge/detection.h"
#include "tagforge/error.h"

namespace tagforge {

// The thresholds imgutils uses for each kind of detector (confidence, IoU):
// face 0.25/0.7, head 0.4/0.7, person 0.3/0.5, hand 0.35/0.7, else 0.25/0.7.
std::pair<float, float> default_detector_thresholds(const std::vector<std::string>& names);

// The tensor size for an image: fixed dims win; otherwise fit `imgsz`, align 32.
std::pair<int, int> detector_input_size(int image_width, int image_height, int imgsz, int fixed_width,
                                        int fixed_height);

class Detector {
 public:
  // Errors name the model: no usable `names`, an input that is not [1,3,H,W].
  static Result<std::unique_ptr<Detector>> open(ModelProfile profile, const RuntimeOptions& runtime);

  const ModelProfile& profile() const { return profile_; }
  const std::vector<std::string>& names() const { return names_; }
  float confidence() const { return confidence_; }
  float iou() const { return iou_; }
  int imgsz() const { return imgsz_; }  // the longest side the model is fed
  void set_thresholds(std::optional<float> confidence, std::optional<float> iou);

  // Detections in the coordinates of an image of full_width x full_height,
  // of which `image` may be a reduced decode. Thread-safe.
  Result<std::vector<Detection>> detect(const Image8& image, int full_width, int full_height);

  // Loads the model now (it loads on first use otherwise): a broken file is
  // found before any image waits on it. The error names the file.
  Status load() {
    auto m = slot_.get();
    return m ? ok_status() : Status(m.error());
  }
  void unload() { slot_.unload(); }

 private:
  Detector(ModelProfile profile, const RuntimeOptions& runtime);
  ModelProfile profile_;
  ModelSlot slot_;
  std::vector<std::string> names_;
  int imgsz_ = 640, fixed_width_ = 0, fixed_height_ = 0;
  float confidence_ = 0.25f, iou_ = 0.7f;
};

}  // namespace tagforge
