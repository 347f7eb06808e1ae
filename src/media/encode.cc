#include "media/codec_module.h"  // codecs::, in the codec module

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <vector>

namespace tagforge {

namespace codecs {

Result<std::string> encode_image(const Image8& im, std::string_view format, int quality,
                                 const std::filesystem::path& name) {
  const int type = im.channels == 4 ? CV_8UC4 : im.channels == 1 ? CV_8UC1 : CV_8UC3;
  cv::Mat m(im.height, im.width, type, const_cast<uint8_t*>(im.pixels.data())), bgr;
  if (im.channels == 4 && format == "jpg") cv::cvtColor(m, bgr, cv::COLOR_RGBA2BGR);  // JPEG has no alpha
  else if (im.channels == 4) cv::cvtColor(m, bgr, cv::COLOR_RGBA2BGRA);
  else if (im.channels == 3) cv::cvtColor(m, bgr, cv::COLOR_RGB2BGR);
  else bgr = m;
  std::vector<int> params;
  if (format == "jpg") params = {cv::IMWRITE_JPEG_QUALITY, quality};
  if (format == "webp") params = {cv::IMWRITE_WEBP_QUALITY, quality};
  std::vector<uint8_t> bytes;
  try {
    std::string extension = ".";
    extension += format;
    if (!cv::imencode(extension, bgr, bytes, params)) {
      return Error{ErrorCode::kIo, "cannot encode the image", name};
    }
  } catch (const cv::Exception& e) {
    return Error{ErrorCode::kIo, std::string("cannot encode the image: ") + e.what(), name};
  }
  return std::string(bytes.begin(), bytes.end());
}

Result<std::string> encode_jpeg_within(const Image8& im, int long_side, int quality,
                                       const std::filesystem::path& name) {
  const double scale = std::min(1.0, double(long_side) / std::max(im.width, im.height));
  if (scale >= 1.0) return codecs::encode_image(im, "jpg", quality, name);
  Image8 small{std::max(1, int(im.width * scale)), std::max(1, int(im.height * scale)), im.channels, {}};
  small.pixels.resize(size_t(small.width) * small.height * small.channels);
  const int type = im.channels == 4 ? CV_8UC4 : im.channels == 1 ? CV_8UC1 : CV_8UC3;
  cv::resize(cv::Mat(im.height, im.width, type, const_cast<uint8_t*>(im.pixels.data())),
             cv::Mat(small.height, small.width, type, small.pixels.data()), cv::Size(small.width, small.height), 0, 0,
             cv::INTER_AREA);
  return codecs::encode_image(small, "jpg", quality, name);
}

}  // namespace codecs
}  // namespace tagforge
