// Decoding and preparing images on every core while the model runs: images
// go through in batches, a few batches in flight.
//   - decoding threads (one per core, at a lower priority than the model's)
//     decode the images of the next batches and prepare their tensor slots;
//   - the calling thread hands each finished batch, in order, to `consume`,
//     which runs the model.
// While one batch runs, the next ones are decoded; at most in_flight
// batches exist at once, so memory stays bounded whatever the folder size.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "media/decode.h"
#include "tagforge/error.h"

namespace tagforge {

struct PipelineImage {
  std::filesystem::path path;
  std::optional<Error> error;  // decoding failed; the slot is zeros
  DecodedImage decoded;        // pixels released after `prepare` unless keep_pixels
};

struct PipelineBatch {
  size_t first = 0;  // index of images[0] in the path list
  std::vector<PipelineImage> images;
  std::vector<float> tensor;  // images.size() slots of floats_per_image
};

struct PipelineOptions {
  size_t batch_size = 8;
  size_t in_flight = 3;         // batches decoded or running at once
  size_t floats_per_image = 0;  // 0: no tensor (the consumer prepares its own)
  DecodeOptions decode;
  bool keep_pixels = false;     // keep the decoded pixels for `consume`
};

// `prepare` fills one image's slot (floats_per_image floats) from its pixels;
// called on worker threads, only for images that decoded. `consume` is
// called on one thread at a time, for the batches in order.
void run_image_pipeline(std::span<const std::filesystem::path> paths, const PipelineOptions& options,
                        const std::function<void(const Image8&, std::span<float>)>& prepare,
                        const std::function<void(PipelineBatch&)>& consume);

}  // namespace tagforge
