#include "scan/media_format.h"

#include <string>

#include "tagforge/item.h"

namespace tagforge {

MediaKind media_kind(MediaFormat f) {
  switch (f) {
    case MediaFormat::kUnknown: return MediaKind::kUnknown;
    case MediaFormat::kJpeg:
    case MediaFormat::kPng:
    case MediaFormat::kGif:
    case MediaFormat::kWebp:
    case MediaFormat::kBmp:
    case MediaFormat::kAvif:
    case MediaFormat::kHeif:
    case MediaFormat::kJxl: return MediaKind::kImage;
    case MediaFormat::kApng:
    case MediaFormat::kGifAnimated:
    case MediaFormat::kWebpAnimated:
    case MediaFormat::kAvifSequence: return MediaKind::kAnimation;
    case MediaFormat::kMp4:
    case MediaFormat::kMov:
    case MediaFormat::kWebm:
    case MediaFormat::kMkv:
    case MediaFormat::kAvi: return MediaKind::kVideo;
  }
  return MediaKind::kUnknown;
}

std::string_view format_name(MediaFormat f) {
  switch (f) {
    case MediaFormat::kUnknown: return "unknown";
    case MediaFormat::kJpeg: return "jpeg";
    case MediaFormat::kPng: return "png";
    case MediaFormat::kApng: return "apng";
    case MediaFormat::kGif: return "gif";
    case MediaFormat::kGifAnimated: return "gif-animated";
    case MediaFormat::kWebp: return "webp";
    case MediaFormat::kWebpAnimated: return "webp-animated";
    case MediaFormat::kBmp: return "bmp";
    case MediaFormat::kAvif: return "avif";
    case MediaFormat::kAvifSequence: return "avif-sequence";
    case MediaFormat::kHeif: return "heif";
    case MediaFormat::kJxl: return "jxl";
    case MediaFormat::kMp4: return "mp4";
    case MediaFormat::kMov: return "mov";
    case MediaFormat::kWebm: return "webm";
    case MediaFormat::kMkv: return "mkv";
    case MediaFormat::kAvi: return "avi";
  }
  return "unknown";
}

std::string_view kind_name(MediaKind k) {
  switch (k) {
    case MediaKind::kUnknown: return "unknown";
    case MediaKind::kImage: return "image";
    case MediaKind::kAnimation: return "animation";
    case MediaKind::kVideo: return "video";
  }
  return "unknown";
}

std::string_view sidecar_kind_name(SidecarKind k) {
  switch (k) {
    case SidecarKind::kTags: return "tags";
    case SidecarKind::kCaption: return "caption";
    case SidecarKind::kText: return "text";
    case SidecarKind::kJson: return "json";
    case SidecarKind::kSegmentation: return "aseg";
    case SidecarKind::kMask: return "mask";
    case SidecarKind::kEmpty: return "empty";
  }
  return "empty";
}

std::string_view problem_name(FileProblem p) {
  switch (p) {
    case FileProblem::kNone: return "none";
    case FileProblem::kZeroByte: return "zero-byte";
    case FileProblem::kTruncated: return "truncated";
    case FileProblem::kNotMedia: return "extension-lie";
    case FileProblem::kMislabelled: return "mislabelled";
    case FileProblem::kUnreadable: return "unreadable";
  }
  return "none";
}

bool Item::tagged() const {
  for (const auto& s : sidecars) {
    if (s.kind == SidecarKind::kTags || s.kind == SidecarKind::kCaption || s.kind == SidecarKind::kText) return true;
  }
  return false;
}

std::string extension_of(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  std::string ext(name.substr(dot + 1));
  for (auto& c : ext) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return ext;
}

std::string_view stem_of(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return name;
  return name.substr(0, dot);
}

namespace {
constexpr std::string_view kMaskSuffix = ".mask.png";
}  // namespace

bool is_mask_sidecar_name(std::string_view name) {
  if (name.size() <= kMaskSuffix.size()) return false;
  const std::string_view tail = name.substr(name.size() - kMaskSuffix.size());
  for (size_t i = 0; i < tail.size(); ++i) {
    const char c = tail[i] >= 'A' && tail[i] <= 'Z' ? char(tail[i] - 'A' + 'a') : tail[i];
    if (c != kMaskSuffix[i]) return false;
  }
  return true;
}

std::string_view sidecar_base(std::string_view name) {
  if (is_mask_sidecar_name(name)) return name.substr(0, name.size() - kMaskSuffix.size());
  return stem_of(name);
}

FormatFamily family_of_format(MediaFormat f) {
  switch (f) {
    case MediaFormat::kUnknown: return FormatFamily::kNone;
    case MediaFormat::kJpeg: return FormatFamily::kJpeg;
    case MediaFormat::kPng:
    case MediaFormat::kApng: return FormatFamily::kPng;
    case MediaFormat::kGif:
    case MediaFormat::kGifAnimated: return FormatFamily::kGif;
    case MediaFormat::kWebp:
    case MediaFormat::kWebpAnimated: return FormatFamily::kWebp;
    case MediaFormat::kBmp: return FormatFamily::kBmp;
    case MediaFormat::kAvif:
    case MediaFormat::kAvifSequence:
    case MediaFormat::kHeif: return FormatFamily::kHeif;
    case MediaFormat::kJxl: return FormatFamily::kJxl;
    case MediaFormat::kMp4:
    case MediaFormat::kMov: return FormatFamily::kIsoVideo;
    case MediaFormat::kWebm:
    case MediaFormat::kMkv: return FormatFamily::kMatroska;
    case MediaFormat::kAvi: return FormatFamily::kAvi;
  }
  return FormatFamily::kNone;
}

FormatFamily family_of_extension(std::string_view e) {
  if (e == "jpg" || e == "jpeg" || e == "jpe" || e == "jfif") return FormatFamily::kJpeg;
  if (e == "png" || e == "apng") return FormatFamily::kPng;
  if (e == "gif") return FormatFamily::kGif;
  if (e == "webp") return FormatFamily::kWebp;
  if (e == "bmp" || e == "dib") return FormatFamily::kBmp;
  if (e == "avif" || e == "avifs" || e == "heic" || e == "heif" || e == "hif") return FormatFamily::kHeif;
  if (e == "jxl") return FormatFamily::kJxl;
  if (e == "mp4" || e == "m4v" || e == "mov" || e == "qt" || e == "3gp") return FormatFamily::kIsoVideo;
  if (e == "webm" || e == "mkv") return FormatFamily::kMatroska;
  if (e == "avi") return FormatFamily::kAvi;
  return FormatFamily::kNone;
}

bool is_sidecar_extension(std::string_view e) {
  return e == "txt" || e == "caption" || e == "json" || e == "aseg";
}

}  // namespace tagforge
