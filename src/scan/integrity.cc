#include "scan/integrity.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace tagforge {
namespace {

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
uint32_t le32(const uint8_t* p) {
  return p[0] | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

// The last `n` bytes of the file (fewer if it is smaller).
std::vector<uint8_t> read_tail(RandomReader& f, size_t n, bool* error) {
  const uint64_t size = f.size();
  const size_t take = static_cast<size_t>(std::min<uint64_t>(n, size));
  std::vector<uint8_t> tail(take);
  if (take && f.read_at(size - take, tail.data(), take) != static_cast<long>(take)) *error = true;
  return tail;
}

bool contains(const std::vector<uint8_t>& hay, std::initializer_list<uint8_t> needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

// JPEG: the EOI marker FF D9 near the end. 4 KiB of slack allows padding and
// small trailers; data appended after EOI beyond that (motion photos) reads
// as truncated, a documented limit.
void check_jpeg(RandomReader& f, ProbeResult& r) {
  auto tail = read_tail(f, 4096, &r.read_error);
  if (!contains(tail, {0xFF, 0xD9})) {
    r.truncated = true;
    r.detail = "JPEG has no end-of-image marker";
  }
}

// PNG: walk chunk headers until IDAT (acTL before it means APNG), then look
// for IEND at the end.
void check_png(RandomReader& f, ProbeResult& r) {
  uint64_t pos = 8;
  for (int guard = 0; guard < 4096; ++guard) {
    uint8_t hdr[12];
    long got = f.read_at(pos, hdr, sizeof hdr);
    if (got < 0) { r.read_error = true; return; }
    if (got < 8) { r.truncated = true; r.detail = "PNG ends inside a chunk header"; return; }
    const uint32_t len = be32(hdr);
    if (std::memcmp(hdr + 4, "IDAT", 4) == 0 || std::memcmp(hdr + 4, "IEND", 4) == 0) break;
    if (std::memcmp(hdr + 4, "acTL", 4) == 0 && got >= 12 && be32(hdr + 8) >= 2) r.format = MediaFormat::kApng;
    pos += 12ull + len;
    if (pos > f.size()) { r.truncated = true; r.detail = "PNG chunk runs past the end of the file"; return; }
  }
  auto tail = read_tail(f, 64, &r.read_error);
  if (!contains(tail, {'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82})) {
    r.truncated = true;
    r.detail = "PNG has no IEND chunk";
  }
}

// GIF: walk the block structure far enough to see a second frame (animated)
// or the trailer (still); running out of bytes first means truncated.
class ByteCursor {
 public:
  explicit ByteCursor(RandomReader& f, uint64_t pos) : f_(f), pos_(pos) {}
  // Returns -1 at end of file or on error.
  int next() {
    if (at_ >= len_) {
      long got = f_.read_at(pos_, buf_, sizeof buf_);
      if (got < 0) error_ = true;
      if (got <= 0) return -1;
      pos_ += static_cast<uint64_t>(got);
      len_ = static_cast<size_t>(got);
      at_ = 0;
    }
    return buf_[at_++];
  }
  bool skip(uint64_t n) {
    while (n > 0) {
      const size_t avail = len_ - at_;
      if (avail == 0) {
        if (next() < 0) return false;
        --n;
        continue;
      }
      const size_t step = static_cast<size_t>(std::min<uint64_t>(n, avail));
      at_ += step;
      n -= step;
    }
    return true;
  }
  bool error() const { return error_; }

 private:
  RandomReader& f_;
  uint64_t pos_;
  uint8_t buf_[8192];
  size_t len_ = 0, at_ = 0;
  bool error_ = false;
};

bool skip_sub_blocks(ByteCursor& c) {
  for (;;) {
    int n = c.next();
    if (n < 0) return false;
    if (n == 0) return true;
    if (!c.skip(static_cast<uint64_t>(n))) return false;
  }
}

void check_gif(RandomReader& f, ProbeResult& r) {
  uint8_t lsd[7];
  if (f.read_at(6, lsd, sizeof lsd) != 7) { r.truncated = true; r.detail = "GIF ends inside its header"; return; }
  ByteCursor c(f, 13);
  if ((lsd[4] & 0x80) && !c.skip(3ull << ((lsd[4] & 7) + 1))) {
    r.truncated = true;
    r.detail = "GIF ends inside its colour table";
    return;
  }
  int frames = 0;
  for (;;) {
    const int block = c.next();
    if (block == 0x3B) break;  // trailer
    if (block == 0x21) {       // extension: label, then sub-blocks
      if (c.next() < 0 || !skip_sub_blocks(c)) break;
      continue;
    }
    if (block == 0x2C) {  // image descriptor
      if (++frames >= 2) {
        r.format = MediaFormat::kGifAnimated;
        break;
      }
      uint8_t desc[9];
      bool ok = true;
      for (auto& d : desc) {
        int v = c.next();
        if (v < 0) { ok = false; break; }
        d = static_cast<uint8_t>(v);
      }
      if (!ok) { frames = -1; break; }
      if ((desc[8] & 0x80) && !c.skip(3ull << ((desc[8] & 7) + 1))) { frames = -1; break; }
      if (c.next() < 0 || !skip_sub_blocks(c)) { frames = -1; break; }
      continue;
    }
    // End of file or a byte that starts no block.
    frames = -1;
    break;
  }
  if (c.error()) { r.read_error = true; return; }
  if (frames < 0) {
    r.truncated = true;
    r.detail = "GIF block structure ends before its trailer";
    return;
  }
  // A second frame was found: the rest was not walked, so check the trailer.
  if (r.format == MediaFormat::kGifAnimated) {
    auto tail = read_tail(f, 16, &r.read_error);
    while (!tail.empty() && tail.back() == 0) tail.pop_back();
    if (tail.empty() || tail.back() != 0x3B) {
      r.truncated = true;
      r.detail = "animated GIF has no trailer";
    }
  }
}

// RIFF (WebP, AVI): the size field says how long the file must be.
void check_riff(RandomReader& f, ProbeResult& r) {
  uint8_t hdr[8];
  if (f.read_at(0, hdr, 8) != 8) { r.read_error = true; return; }
  const uint64_t want = 8ull + le32(hdr + 4);
  if (want > f.size()) {
    r.truncated = true;
    r.detail = "RIFF header promises " + std::to_string(want) + " bytes, file has " + std::to_string(f.size());
  }
}

// BMP: the file-size field, when the writer filled it in.
void check_bmp(RandomReader& f, ProbeResult& r) {
  uint8_t hdr[6];
  if (f.read_at(0, hdr, 6) != 6) { r.read_error = true; return; }
  const uint32_t want = le32(hdr + 2);
  if (want > f.size()) {
    r.truncated = true;
    r.detail = "BMP header promises " + std::to_string(want) + " bytes, file has " + std::to_string(f.size());
  }
}

// ISO BMFF (MP4, MOV, AVIF, HEIF): top-level boxes must tile the file.
void check_iso_bmff(RandomReader& f, ProbeResult& r) {
  uint64_t pos = 0;
  for (int guard = 0; guard < 1024 && pos < f.size(); ++guard) {
    uint8_t hdr[16];
    long got = f.read_at(pos, hdr, sizeof hdr);
    if (got < 0) { r.read_error = true; return; }
    if (got < 8) { r.truncated = true; r.detail = "ends inside a box header"; return; }
    uint64_t len = be32(hdr);
    if (len == 0) return;  // extends to the end of the file
    if (len == 1) {
      if (got < 16) { r.truncated = true; r.detail = "ends inside a box header"; return; }
      len = (uint64_t{be32(hdr + 8)} << 32) | be32(hdr + 12);
    }
    if (len < 8) { r.truncated = true; r.detail = "box with an impossible size"; return; }
    if (pos + len > f.size()) {
      r.truncated = true;
      r.detail = "box '" + std::string(reinterpret_cast<const char*>(hdr + 4), 4) + "' runs past the end of the file";
      return;
    }
    pos += len;
  }
}

// EBML variable-size integer; returns bytes used (0 if invalid).
int read_vint(const uint8_t* p, size_t avail, uint64_t* value, bool keep_marker) {
  if (avail == 0 || p[0] == 0) return 0;
  int len = 1;
  while (!(p[0] & (0x80 >> (len - 1)))) ++len;
  if (static_cast<size_t>(len) > avail) return 0;
  uint64_t v = keep_marker ? p[0] : (p[0] & (0xFF >> len));
  for (int i = 1; i < len; ++i) v = (v << 8) | p[i];
  *value = v;
  return len;
}

// Matroska/WebM: the Segment's declared size against the file's.
void check_matroska(RandomReader& f, ProbeResult& r) {
  uint8_t buf[64];
  long got = f.read_at(0, buf, sizeof buf);
  if (got < 0) { r.read_error = true; return; }
  uint64_t id = 0, size = 0;
  int a = read_vint(buf, static_cast<size_t>(got), &id, true);
  int b = a ? read_vint(buf + a, static_cast<size_t>(got) - a, &size, false) : 0;
  if (!a || !b) { r.truncated = true; r.detail = "EBML header is cut short"; return; }
  const uint64_t seg_at = a + b + size;
  if (seg_at + 12 > f.size()) { r.truncated = true; r.detail = "ends before the Segment"; return; }
  got = f.read_at(seg_at, buf, 12);
  if (got < 0) { r.read_error = true; return; }
  a = read_vint(buf, static_cast<size_t>(got), &id, true);
  b = a ? read_vint(buf + a, static_cast<size_t>(got) - a, &size, false) : 0;
  if (!a || !b || id != 0x18538067) return;  // not a Segment: leave it to the decoder
  const uint64_t unknown = (1ull << (7 * b)) - 1;
  if (size != unknown && seg_at + a + b + size > f.size()) {
    r.truncated = true;
    r.detail = "Segment runs past the end of the file";
  }
}

}  // namespace

ProbeResult probe_media(RandomReader& file, MediaFormat sniffed) {
  ProbeResult r;
  r.format = sniffed;
  switch (sniffed) {
    case MediaFormat::kJpeg: check_jpeg(file, r); break;
    case MediaFormat::kPng: check_png(file, r); break;
    case MediaFormat::kGif: check_gif(file, r); break;
    case MediaFormat::kWebp:
    case MediaFormat::kWebpAnimated:
    case MediaFormat::kAvi: check_riff(file, r); break;
    case MediaFormat::kBmp: check_bmp(file, r); break;
    case MediaFormat::kAvif:
    case MediaFormat::kAvifSequence:
    case MediaFormat::kHeif:
    case MediaFormat::kMp4:
    case MediaFormat::kMov: check_iso_bmff(file, r); break;
    case MediaFormat::kWebm:
    case MediaFormat::kMkv: check_matroska(file, r); break;
    default: break;  // JXL has no cheap completeness check
  }
  return r;
}

}  // namespace tagforge
