// The module's one exported symbol: the table of its functions (codec_module.h).
#include "media/codec_module.h"

extern "C" __attribute__((visibility("default"))) const tagforge::CodecApi* tagforge_codecs_api() {
  namespace c = tagforge::codecs;
  static const tagforge::CodecApi api{tagforge::kCodecApiVersion, sizeof(tagforge::CodecApi),
                                      &c::decode_image,           &c::decode_image_bytes,
                                      &c::encode_image,           &c::encode_jpeg_within,
                                      &c::open_video};
  return &api;
}
