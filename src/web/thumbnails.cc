#include "web/thumbnails.h"

#include "core/atomic_file.h"
#include "core/fs_ops.h"
#include "media/decode.h"
#include "media/encode.h"

namespace tagforge {

namespace fs = std::filesystem;

Result<std::string> thumbnail_jpeg(const fs::path& image, const std::string& hash, const fs::path& cache_dir) {
  const bool keyed = hash.size() >= 3 && hash.find_first_not_of("0123456789abcdef") == std::string::npos;
  const fs::path cached = keyed ? cache_dir / hash.substr(0, 2) / (hash + ".jpg") : fs::path();
  std::error_code ec;
  if (keyed && fs::is_regular_file(cached, ec)) {
    if (auto bytes = read_whole_file(cached, "thumbnail"); bytes) return bytes;
  }
  DecodeOptions options;
  options.reduce_to_long_side = kThumbnailSide;  // a big JPEG is decoded at a fraction of its size
  auto decoded = decode_image(image, options);
  if (!decoded) return decoded.error();
  auto jpeg = encode_jpeg_within(decoded->image, kThumbnailSide, 85, image);
  if (!jpeg) return jpeg.error();
  if (keyed) {
    fs::create_directories(cached.parent_path(), ec);
    // A cache that cannot be written is not an error: the thumbnail is made again next time.
    (void)write_file_atomic(cached, *jpeg, Overwrite::kReplace);
  }
  return jpeg;
}

}  // namespace tagforge
