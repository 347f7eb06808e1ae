// Fuzz target: format sniffing and the completeness/animation probes.
#include <cstring>
#include <string>
#include <vector>

#include "media_fixtures.h"
#include "scan/integrity.h"
#include "scan/sniff.h"

namespace {
class MemReader : public tagforge::RandomReader {
 public:
  MemReader(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  long read_at(uint64_t off, void* buf, size_t n) override {
    if (off >= n_) return 0;
    n = std::min<size_t>(n, n_ - off);
    std::memcpy(buf, d_ + off, n);
    return static_cast<long>(n);
  }
  uint64_t size() const override { return n_; }

 private:
  const uint8_t* d_;
  size_t n_;
};
}  // namespace

std::vector<std::string> fuzz_seeds() {
  using namespace tagforge::testing;
  return {jpeg_bytes(), png_bytes(), apng_bytes(), gif_bytes(1), gif_bytes(3), webp_bytes(false), webp_bytes(true),
          bmp_bytes(),  avif_bytes(), heif_bytes(), jxl_bytes(), mp4_bytes(), mov_bytes(), webm_bytes(), mkv_bytes(),
          avi_bytes()};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto fmt = tagforge::sniff_format(std::span<const uint8_t>(data, size));
  MemReader r(data, size);
  (void)tagforge::probe_media(r, fmt);
  return 0;
}
