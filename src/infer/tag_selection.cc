#include "infer/tag_selection.h"

#include <algorithm>
#include <cassert>
#include <functional>

namespace tagforge {

float mcut_threshold(std::vector<float> p) {
  if (p.size() < 2) return 0;
  std::sort(p.begin(), p.end(), std::greater<>());
  size_t widest = 0;
  for (size_t i = 1; i + 1 < p.size(); ++i) {
    if (p[i] - p[i + 1] > p[widest] - p[widest + 1]) widest = i;  // first widest gap, as numpy's argmax
  }
  return (p[widest] + p[widest + 1]) / 2;
}

namespace {

std::vector<float> of_category(const TagLabels& labels, std::span<const float> p, LabelCategory c) {
  std::vector<float> out;
  for (size_t i = 0; i < p.size(); ++i) {
    if (labels.categories[i] == c) out.push_back(p[i]);
  }
  return out;
}

void sort_by_probability(std::vector<TagScore>& tags) {
  std::sort(tags.begin(), tags.end(), [](const TagScore& a, const TagScore& b) {
    return a.probability != b.probability ? a.probability > b.probability : a.name < b.name;
  });
}

}  // namespace

TagPrediction select_tags(const TagLabels& labels, std::span<const float> p, const ModelProfile& profile) {
  assert(p.size() == labels.size());
  float general = profile.general_threshold;
  float character = profile.character_threshold;
  if (profile.general_mcut) general = mcut_threshold(of_category(labels, p, LabelCategory::kGeneral));
  if (profile.character_mcut) {
    character = std::max(profile.character_mcut_floor, mcut_threshold(of_category(labels, p, LabelCategory::kCharacter)));
  }
  TagPrediction out;
  for (size_t i = 0; i < p.size(); ++i) {
    switch (labels.categories[i]) {
      case LabelCategory::kRating: out.rating.push_back({labels.names[i], p[i]}); break;
      case LabelCategory::kGeneral:
        if (p[i] > general) out.general.push_back({labels.names[i], p[i]});
        break;
      case LabelCategory::kCharacter:
        if (p[i] > character) out.character.push_back({labels.names[i], p[i]});
        break;
      case LabelCategory::kOther: break;
    }
  }
  sort_by_probability(out.rating);
  sort_by_probability(out.general);
  sort_by_probability(out.character);
  return out;
}

}  // namespace tagforge
