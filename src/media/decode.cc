#include "media/codec_module.h"  // codecs::, in the codec module

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cerrno>
#include <fstream>
#include <vector>

#include "media/jpeg_header.h"

namespace tagforge {

namespace fs = std::filesystem;

namespace {

int reduction_for(std::span<const uint8_t> bytes, int reduce_to_long_side, PixelSize* size) {
  if (reduce_to_long_side <= 0) return 1;
  auto header = jpeg_pixel_size(bytes);
  if (!header) return 1;
  *size = *header;
  const int long_side = std::max(header->width, header->height);
  int factor = 1;
  while (factor < 8 && long_side / (factor * 2) >= reduce_to_long_side) factor *= 2;
  return factor;
}

int imread_flags(int reduction) {
  switch (reduction) {
    case 2: return cv::IMREAD_REDUCED_COLOR_2;
    case 4: return cv::IMREAD_REDUCED_COLOR_4;
    case 8: return cv::IMREAD_REDUCED_COLOR_8;
    default: return cv::IMREAD_UNCHANGED;
  }
}

}  // namespace

namespace codecs {

Result<DecodedImage> decode_image_bytes(std::span<const uint8_t> bytes, const fs::path& name,
                                        const DecodeOptions& options) {
  PixelSize header;
  const int reduction = reduction_for(bytes, options.reduce_to_long_side, &header);
  cv::Mat mat;
  try {
    // imdecode does not write to its input.
    const cv::Mat raw(1, int(bytes.size()), CV_8UC1, const_cast<uint8_t*>(bytes.data()));
    mat = cv::imdecode(raw, imread_flags(reduction));
  } catch (const cv::Exception& e) {
    return Error{ErrorCode::kInvalidInput, std::string("cannot decode the image: ") + e.what(), name};
  }
  if (mat.empty()) return Error{ErrorCode::kInvalidInput, "not an image that can be decoded, or damaged", name};

  if (mat.depth() == CV_16U) mat.convertTo(mat, CV_8U, 1.0 / 257.0);
  else if (mat.depth() != CV_8U) mat.convertTo(mat, CV_8U);  // float TIFF/EXR: clipped
  switch (mat.channels()) {
    case 1: break;
    case 2: cv::cvtColor(mat, mat, cv::COLOR_GRAY2RGB); break;  // unusual; alpha dropped
    case 3: cv::cvtColor(mat, mat, cv::COLOR_BGR2RGB); break;
    case 4: cv::cvtColor(mat, mat, cv::COLOR_BGRA2RGBA); break;
    default: return Error{ErrorCode::kInvalidInput, "unsupported number of channels", name};
  }
  if (!mat.isContinuous()) mat = mat.clone();

  DecodedImage out;
  out.image.width = mat.cols;
  out.image.height = mat.rows;
  out.image.channels = mat.channels();
  out.image.pixels.assign(mat.data, mat.data + mat.total() * mat.elemSize());
  out.reduction = reduction;
  out.full_width = reduction > 1 ? header.width : mat.cols;
  out.full_height = reduction > 1 ? header.height : mat.rows;
  return out;
}

Result<DecodedImage> decode_image(const fs::path& file, const DecodeOptions& options) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error::from_errno(errno, "cannot open", file);
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size < 0) return Error::from_errno(errno, "cannot read", file);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) return Error::from_errno(errno, "cannot read", file);
  return codecs::decode_image_bytes(bytes, file, options);
}

}  // namespace codecs
}  // namespace tagforge
