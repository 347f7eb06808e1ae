#include "scan/sniff.h"

#include <cstring>
#include <string_view>

namespace tagforge {
namespace {

bool starts_with(std::span<const uint8_t> b, size_t at, std::string_view sig) {
  return b.size() >= at + sig.size() && std::memcmp(b.data() + at, sig.data(), sig.size()) == 0;
}

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

bool is_brand(std::string_view b, std::initializer_list<std::string_view> set) {
  for (auto s : set) {
    if (b == s) return true;
  }
  return false;
}

MediaFormat sniff_iso_bmff(std::span<const uint8_t> b) {
  if (b.size() < 12) return MediaFormat::kUnknown;
  const uint32_t box = be32(b.data());
  if (!starts_with(b, 4, "ftyp")) {
    // Old QuickTime files start with another top-level atom.
    if (box >= 8 && (starts_with(b, 4, "moov") || starts_with(b, 4, "mdat") || starts_with(b, 4, "wide") ||
                     starts_with(b, 4, "pnot"))) {
      return MediaFormat::kMov;
    }
    return MediaFormat::kUnknown;
  }
  if (box < 16) return MediaFormat::kUnknown;
  // Major brand, then compatible brands up to the end of the box (or the head).
  const size_t end = std::min<size_t>(box, b.size());
  bool avif = false, avis = false, heif = false, qt = false, video = false;
  for (size_t at = 8; at + 4 <= end; at += 4) {
    if (at == 12) continue;  // minor version
    std::string_view brand(reinterpret_cast<const char*>(b.data() + at), 4);
    if (brand == "avif") avif = true;
    else if (brand == "avis") avis = true;
    else if (is_brand(brand, {"heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"})) heif = true;
    else if (brand == "qt  ") qt = true;
    else if (is_brand(brand, {"isom", "iso2", "iso3", "iso4", "iso5", "iso6", "iso8", "mp41", "mp42", "mp71",
                              "avc1", "M4V ", "M4VP", "dash", "f4v ", "mmp4", "MSNV", "NDAS", "XAVC", "3gp4",
                              "3gp5", "3gp6", "3g2a", "kddi"})) {
      video = true;
    }
    if (at == 8) {
      // The major brand decides when it is specific.
      if (avis) return MediaFormat::kAvifSequence;
      if (avif) return MediaFormat::kAvif;
      if (qt) return MediaFormat::kMov;
    }
  }
  if (avis) return MediaFormat::kAvifSequence;
  if (avif) return MediaFormat::kAvif;
  if (heif && !video) return MediaFormat::kHeif;
  if (qt) return MediaFormat::kMov;
  if (video) return MediaFormat::kMp4;
  if (heif) return MediaFormat::kHeif;
  return MediaFormat::kUnknown;
}

MediaFormat sniff_matroska(std::span<const uint8_t> b) {
  // The DocType string sits in the EBML header, within the first bytes.
  std::string_view head(reinterpret_cast<const char*>(b.data()), b.size());
  if (head.find("webm") != std::string_view::npos) return MediaFormat::kWebm;
  return MediaFormat::kMkv;
}

}  // namespace

MediaFormat sniff_format(std::span<const uint8_t> head) {
  auto b = head.first(std::min(head.size(), kSniffBytes));
  if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return MediaFormat::kJpeg;
  if (starts_with(b, 0, "\x89PNG\r\n\x1a\n")) return MediaFormat::kPng;
  if (starts_with(b, 0, "GIF87a") || starts_with(b, 0, "GIF89a")) return MediaFormat::kGif;
  if (starts_with(b, 0, "RIFF") && starts_with(b, 8, "WEBP")) {
    // VP8X carries an animation flag in its first payload byte.
    if (starts_with(b, 12, "VP8X") && b.size() > 20 && (b[20] & 0x02)) return MediaFormat::kWebpAnimated;
    return MediaFormat::kWebp;
  }
  if (starts_with(b, 0, "RIFF") && starts_with(b, 8, "AVI ")) return MediaFormat::kAvi;
  if (starts_with(b, 0, "BM") && b.size() >= 18) {
    const uint32_t dib = b[14] | (b[15] << 8) | (b[16] << 16) | (uint32_t{b[17]} << 24);
    if (dib == 12 || dib == 40 || dib == 52 || dib == 56 || dib == 64 || dib == 108 || dib == 124) {
      return MediaFormat::kBmp;
    }
  }
  if (b.size() >= 2 && b[0] == 0xFF && b[1] == 0x0A) return MediaFormat::kJxl;
  if (starts_with(b, 0, std::string_view("\0\0\0\x0cJXL \r\n\x87\n", 12))) return MediaFormat::kJxl;
  if (b.size() >= 4 && b[0] == 0x1A && b[1] == 0x45 && b[2] == 0xDF && b[3] == 0xA3) return sniff_matroska(b);
  return sniff_iso_bmff(b);
}

}  // namespace tagforge
