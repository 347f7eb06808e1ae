#include "infer/image_pipeline.h"

#include <tbb/parallel_for.h>
#include <tbb/parallel_pipeline.h>

#include <algorithm>
#include <memory>

namespace tagforge {

void run_image_pipeline(std::span<const std::filesystem::path> paths, const PipelineOptions& opt,
                        const std::function<void(const Image8&, std::span<float>)>& prepare,
                        const std::function<void(PipelineBatch&)>& consume) {
  const size_t batch_size = std::max<size_t>(1, opt.batch_size);
  size_t next = 0;
  using BatchPtr = std::shared_ptr<PipelineBatch>;
  tbb::parallel_pipeline(
      std::max<size_t>(1, opt.in_flight),
      tbb::make_filter<void, BatchPtr>(tbb::filter_mode::serial_in_order,
                                       [&](tbb::flow_control& fc) -> BatchPtr {
                                         if (next >= paths.size()) {
                                           fc.stop();
                                           return nullptr;
                                         }
                                         auto b = std::make_shared<PipelineBatch>();
                                         b->first = next;
                                         const size_t n = std::min(batch_size, paths.size() - next);
                                         b->images.resize(n);
                                         for (size_t i = 0; i < n; ++i) b->images[i].path = paths[next + i];
                                         next += n;
                                         return b;
                                       }) &
          tbb::make_filter<BatchPtr, BatchPtr>(
              tbb::filter_mode::parallel,
              [&](BatchPtr b) {
                b->tensor.assign(b->images.size() * opt.floats_per_image, 0.0f);
                tbb::parallel_for(size_t(0), b->images.size(), [&](size_t i) {
                  PipelineImage& im = b->images[i];
                  auto decoded = decode_image(im.path, opt.decode);
                  if (!decoded) {
                    im.error = decoded.error();
                    return;
                  }
                  im.decoded = std::move(*decoded);
                  if (opt.floats_per_image) {
                    prepare(im.decoded.image,
                            std::span<float>(b->tensor).subspan(i * opt.floats_per_image, opt.floats_per_image));
                  }
                  if (!opt.keep_pixels) {
                    im.decoded.image.pixels.clear();
                    im.decoded.image.pixels.shrink_to_fit();
                  }
                });
                return b;
              }) &
          tbb::make_filter<BatchPtr, void>(tbb::filter_mode::serial_in_order, [&](BatchPtr b) { consume(*b); }));
}

}  // namespace tagforge
