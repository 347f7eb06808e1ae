#include "sort/classify.h"

#include <array>
#include <string_view>
#include <unordered_set>

#include "scan/media_format.h"
#include "sort/plan.h"

namespace tagforge {
namespace {

// "clip_f12" -> "clip" for tag 'f'; "" when `stem` does not end in "_<tag><digits>".
std::string_view strip_counter(std::string_view stem, char tag) {
  size_t i = stem.size();
  while (i > 0 && stem[i - 1] >= '0' && stem[i - 1] <= '9') --i;
  if (i == stem.size() || i < 3 || stem[i - 1] != tag || stem[i - 2] != '_') return {};
  return stem.substr(0, i - 2);
}

// The stems a frame's source may have: "clip_f12.png" -> {"clip"}; what
// `tagforge extract` writes, "clip_s2_f12.png" -> {"clip_s2", "clip"}
// (the first for a source that is itself named so). None for other names.
std::array<std::string_view, 2> frame_source_stems(std::string_view name) {
  const std::string_view frame = strip_counter(stem_of(name), 'f');
  if (frame.empty()) return {};
  return {frame, strip_counter(frame, 's')};
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
    case SortClass::kReview: return "review";
    case SortClass::kDuplicates: return "duplicates";
    case SortClass::kLowQuality: return "low_quality";
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

std::vector<size_t> Classifier::frame_sources(const ScanResult& scan, bool animations) {
  std::vector<size_t> out;
  if (!animations) return out;
  std::unordered_set<std::string_view> wanted;
  for (const Item& it : scan.items) {
    for (std::string_view src : frame_source_stems(it.name)) {
      if (!src.empty()) wanted.insert(src);
    }
  }
  if (wanted.empty()) return out;
  for (size_t i = 0; i < scan.items.size(); ++i) {
    if (wanted.count(stem_of(scan.items[i].name))) out.push_back(i);
  }
  return out;
}

Classifier::Classifier(const ScanResult& scan, std::span<const size_t> sources, bool animations,
                       std::span<const std::string> folders)
    : animations_(animations) {
  if (folders.size() == kSortClassCount) {
    kept_class_.assign(scan.dirs.size(), -1);
    for (SortClass kept : {SortClass::kDuplicates, SortClass::kLowQuality}) {
      const std::string& name = folders[size_t(kept)];
      if (name.empty()) continue;
      for (size_t d = 0; d < scan.dirs.size(); ++d) {
        if (kept_class_[d] < 0 && bucket_number(scan.dirs[d], name) != 0) kept_class_[d] = int(kept);
      }
    }
  }
  for (size_t i : sources) {
    const Item& it = scan.items[i];
    if (!it.usable()) continue;
    if (it.kind() == MediaKind::kAnimation) animation_stems_.insert(stem_of(it.name));
    if (it.kind() == MediaKind::kVideo) video_stems_.insert(stem_of(it.name));
  }
}

SortClass Classifier::classify(const Item& it) const {
  const SortClass c = classify_by_bytes(it);
  if (is_still_class(c) && it.dir < kept_class_.size() && kept_class_[it.dir] >= 0) return SortClass(kept_class_[it.dir]);
  return c;
}

SortClass Classifier::classify_by_bytes(const Item& it) const {
  if (it.orphan_sidecar) return SortClass::kUnknown;
  if (it.broken()) return SortClass::kBroken;
  if (it.usable() && it.needs_review()) return SortClass::kReview;
  switch (it.kind()) {
    case MediaKind::kUnknown: return SortClass::kUnknown;
    case MediaKind::kVideo: return SortClass::kVideos;
    case MediaKind::kAnimation:
      if (animations_) return SortClass::kGifs;
      return it.tagged() ? SortClass::kImages : SortClass::kMissingTags;
    case MediaKind::kImage: {
      if (animations_) {
        for (std::string_view src : frame_source_stems(it.name)) {
          if (!src.empty() && animation_stems_.count(src)) return SortClass::kProcessedGifs;
          if (!src.empty() && video_stems_.count(src)) return SortClass::kProcessedVideos;
        }
      }
      return it.tagged() ? SortClass::kImages : SortClass::kMissingTags;
    }
  }
  return SortClass::kUnknown;
}

std::vector<SortClass> classify_items(const ScanResult& scan, bool animations, std::span<const std::string> folders) {
  const Classifier classifier(scan, Classifier::frame_sources(scan, animations), animations, folders);
  std::vector<SortClass> out;
  out.reserve(scan.items.size());
  for (const Item& it : scan.items) out.push_back(classifier.classify(it));
  return out;
}

}  // namespace tagforge
