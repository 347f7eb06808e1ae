#include "sort/classify.h"

#include <string_view>
#include <unordered_set>

#include "scan/media_format.h"

namespace tagforge {
namespace {

// "clip_f12.png" -> "clip"; "" when the name is not a frame's.
std::string_view frame_source_stem(std::string_view name) {
  std::string_view stem = stem_of(name);
  size_t i = stem.size();
  while (i > 0 && stem[i - 1] >= '0' && stem[i - 1] <= '9') --i;
  if (i == stem.size() || i < 3 || stem[i - 1] != 'f' || stem[i - 2] != '_') return {};
  return stem.substr(0, i - 2);
}

}  // namespace

std::string_view sort_class_key(SortClass c) {
  switch (c) {
    case SortClass::kImages: return "images";
    case SortClass::kMissingTags: return "missing_tags";
    case SortClass::kGifs: return "gifs";
    case SortClass::kVideos: return "videos";
    case SortClass::kProcessedGifs: return "processed_gifs";
    case SortClass::kProcessedVideos: return "processed_videos";
    case SortClass::kUnknown: return "unknown";
    case SortClass::kBroken: return "broken";
  }
  return "unknown";
}

bool parse_sort_class(std::string_view key, SortClass* out) {
  for (size_t i = 0; i < kSortClassCount; ++i) {
    if (sort_class_key(static_cast<SortClass>(i)) == key) {
      *out = static_cast<SortClass>(i);
      return true;
    }
  }
  return false;
}

std::vector<SortClass> classify_items(const ScanResult& scan, bool animations) {
  std::unordered_set<std::string_view> animation_stems, video_stems;
  if (animations) {
    for (const Item& it : scan.items) {
      if (!it.usable()) continue;
      if (it.kind() == MediaKind::kAnimation) animation_stems.insert(stem_of(it.name));
      if (it.kind() == MediaKind::kVideo) video_stems.insert(stem_of(it.name));
    }
  }
  std::vector<SortClass> out;
  out.reserve(scan.items.size());
  for (const Item& it : scan.items) {
    SortClass c;
    if (it.orphan_sidecar) {
      c = SortClass::kUnknown;
    } else if (it.broken()) {
      c = SortClass::kBroken;
    } else {
      switch (it.kind()) {
        case MediaKind::kUnknown: c = SortClass::kUnknown; break;
        case MediaKind::kVideo: c = SortClass::kVideos; break;
        case MediaKind::kAnimation:
          if (animations) {
            c = SortClass::kGifs;
            break;
          }
          [[fallthrough]];
        case MediaKind::kImage: {
          c = it.tagged() ? SortClass::kImages : SortClass::kMissingTags;
          if (animations && it.kind() == MediaKind::kImage) {
            std::string_view src = frame_source_stem(it.name);
            if (!src.empty() && animation_stems.count(src)) c = SortClass::kProcessedGifs;
            else if (!src.empty() && video_stems.count(src)) c = SortClass::kProcessedVideos;
          }
          break;
        }
      }
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace tagforge
