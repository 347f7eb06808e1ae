// The image and video codecs live in a module of their own,
// libtagforge_codecs.so, loaded the first time an image or video is decoded
// or encoded. OpenCV's imgcodecs (through GDAL) and FFmpeg bring some 210
// shared libraries with them, and loading those costs about 0.2 s at every
// start of the program, also of the commands that never decode (`models`,
// `undo`, `--help`). The public API stays where it was (decode.h, encode.h,
// video_reader.h); the functions there forward through the table below.
//
// The module exports one symbol, tagforge_codecs_api(); its own code is in
// namespace codecs (decode.cc, encode.cc, video_reader.cc, webp_animation.cc).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "media/decode.h"
#include "media/encode.h"
#include "media/video_reader.h"

namespace tagforge {

// Bumped whenever the table changes, so that a stale module is refused.
inline constexpr int kCodecApiVersion = 1;

struct CodecApi {
  int version;
  size_t size;  // sizeof(CodecApi) where the module was built
  Result<DecodedImage> (*decode_image)(const std::filesystem::path&, const DecodeOptions&);
  Result<DecodedImage> (*decode_image_bytes)(std::span<const uint8_t>, const std::filesystem::path&,
                                             const DecodeOptions&);
  Result<std::string> (*encode_image)(const Image8&, std::string_view, int, const std::filesystem::path&);
  Result<std::string> (*encode_jpeg_within)(const Image8&, int, int, const std::filesystem::path&);
  Result<std::unique_ptr<VideoReader>> (*open_video)(const std::filesystem::path&, const VideoReaderOptions&);
};

// The loaded module's table. The first call loads it (thread-safe): from
// $TAGFORGE_CODECS_MODULE when set, else beside the running executable. A
// module that is missing or from another build ends the program with a
// message naming the file and what to do: every later step would fail.
const CodecApi& codec_api();

// Where codec_api() looks for the module.
std::filesystem::path codec_module_path();

namespace codecs {  // the module's own implementations

Result<DecodedImage> decode_image(const std::filesystem::path& file, const DecodeOptions& options);
Result<DecodedImage> decode_image_bytes(std::span<const uint8_t> bytes, const std::filesystem::path& name,
                                        const DecodeOptions& options);
Result<std::string> encode_image(const Image8& image, std::string_view format, int quality,
                                 const std::filesystem::path& name);
Result<std::string> encode_jpeg_within(const Image8& image, int long_side, int quality,
                                       const std::filesystem::path& name);
Result<std::unique_ptr<VideoReader>> open_video(const std::filesystem::path& file, const VideoReaderOptions& options);

}  // namespace codecs
}  // namespace tagforge

extern "C" const tagforge::CodecApi* tagforge_codecs_api();
