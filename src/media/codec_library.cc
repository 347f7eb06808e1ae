// Loading the codec module, and the public codec API forwarding to it
// (codec_module.h says why the codecs are a module).
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "media/codec_module.h"

namespace tagforge {

namespace fs = std::filesystem;

namespace {

constexpr const char* kModuleName = "libtagforge_codecs.so";

[[noreturn]] void fail(const fs::path& module, const std::string& why) {
  std::fprintf(stderr,
               "tagforge: cannot load the image and video codecs from %s: %s\n"
               "  (it is built beside the tagforge binary; rebuild with scripts/setup.sh, or set "
               "TAGFORGE_CODECS_MODULE to its path)\n",
               module.c_str(), why.c_str());
  std::fflush(stderr);
  // Not exit(): other threads may be inside the pipeline; nothing is half
  // written (files are renamed into place, the journal replays).
  std::_Exit(2);
}

const CodecApi* load() {
  const fs::path module = codec_module_path();
  void* handle = dlopen(module.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) fail(module, dlerror());
  using Entry = const CodecApi* (*)();
  auto entry = reinterpret_cast<Entry>(dlsym(handle, "tagforge_codecs_api"));
  if (!entry) fail(module, "it has no tagforge_codecs_api (not a tagforge codec module)");
  const CodecApi* api = entry();
  if (!api || api->version != kCodecApiVersion || api->size != sizeof(CodecApi)) {
    fail(module, "it is from another build of tagforge");
  }
  return api;  // never unloaded: frames and readers it made may outlive any scope
}

}  // namespace

fs::path codec_module_path() {
  if (const char* env = std::getenv("TAGFORGE_CODECS_MODULE"); env && *env) return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path(kModuleName) : exe.parent_path() / kModuleName;
}

const CodecApi& codec_api() {
  static const CodecApi* api = load();  // a function-local static: loaded once, thread-safe
  return *api;
}

Result<DecodedImage> decode_image(const fs::path& file, const DecodeOptions& options) {
  return codec_api().decode_image(file, options);
}

Result<DecodedImage> decode_image_bytes(std::span<const uint8_t> bytes, const fs::path& name,
                                        const DecodeOptions& options) {
  return codec_api().decode_image_bytes(bytes, name, options);
}

Result<std::string> encode_image(const Image8& image, std::string_view format, int quality, const fs::path& name) {
  return codec_api().encode_image(image, format, quality, name);
}

Result<std::string> encode_jpeg_within(const Image8& image, int long_side, int quality, const fs::path& name) {
  return codec_api().encode_jpeg_within(image, long_side, quality, name);
}

Result<std::unique_ptr<VideoReader>> VideoReader::open(const fs::path& file, const VideoReaderOptions& options) {
  return codec_api().open_video(file, options);
}

}  // namespace tagforge
