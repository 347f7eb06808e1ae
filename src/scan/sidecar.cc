#include "scan/sidecar.h"

#include <string_view>
#include <unordered_map>

#include "scan/media_format.h"
#include "scan/probe.h"

namespace tagforge {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

int count_words(std::string_view s) {
  int words = 0;
  bool in_word = false;
  for (char c : s) {
    if (is_space(c)) {
      in_word = false;
    } else if (!in_word) {
      in_word = true;
      ++words;
    }
  }
  return words;
}

std::string join(const std::string& dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  return dir + "/" + std::string(name);
}

}  // namespace

SidecarKind classify_sidecar_text(std::string_view text, int tag_max_words) {
  text = trim(text);
  if (text.empty()) return SidecarKind::kEmpty;
  size_t items = 0, short_items = 0;
  int last_words = 0;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ',' || text[i] == '\n') {
      auto item = trim(text.substr(start, i - start));
      start = i + 1;
      if (item.empty()) continue;
      const int words = count_words(item);
      ++items;
      if (words <= tag_max_words) ++short_items;
      last_words = words;
    }
  }
  if (items == 0) return SidecarKind::kEmpty;  // only commas
  // Prose ends a sentence; a tag list does not (a lone "..." tag aside).
  const char end = text.back();
  if ((end == '.' || end == '!' || end == '?') && last_words >= 2) return SidecarKind::kCaption;
  return short_items * 5 >= items * 4 ? SidecarKind::kTags : SidecarKind::kCaption;
}

void group_by_name(std::vector<std::string>&& names, uint32_t dir, std::vector<Item>& items,
                   std::vector<SharedSidecar>& shared) {
  constexpr uint32_t kNone = UINT32_MAX;
  const auto n = static_cast<uint32_t>(names.size());
  // Media files by name and by stem (a chain through `next_same_stem`, in
  // natural order); views into `names`, which stays put until pass 3.
  std::vector<uint8_t> sidecar(n);
  std::unordered_map<std::string_view, uint32_t> by_name;
  std::unordered_map<std::string_view, std::pair<uint32_t, uint32_t>> by_stem;  // first, last
  std::vector<uint32_t> next_same_stem(n, kNone);
  by_name.reserve(n);
  by_stem.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    sidecar[i] = is_sidecar_extension(extension_of(names[i])) || is_mask_sidecar_name(names[i]);
    if (sidecar[i]) continue;
    by_name.emplace(names[i], i);
    auto [it, fresh] = by_stem.try_emplace(stem_of(names[i]), i, i);
    if (!fresh) {
      next_same_stem[it->second.second] = i;
      it->second.second = i;
    }
  }

  // Pass 2: each sidecar's owner (a name index), or none, or several.
  std::vector<uint32_t> owner(n, kNone);
  std::vector<std::pair<uint32_t, std::vector<uint32_t>>> several;  // sidecar, candidate names
  for (uint32_t i = 0; i < n; ++i) {
    if (!sidecar[i]) continue;
    const std::string_view base = sidecar_base(names[i]);
    if (auto it = by_name.find(base); it != by_name.end()) {
      owner[i] = it->second;
    } else if (auto st = by_stem.find(base); st != by_stem.end()) {
      if (st->second.first == st->second.second) {
        owner[i] = st->second.first;
      } else {
        std::vector<uint32_t> cands;
        for (uint32_t k = st->second.first; k != kNone; k = next_same_stem[k]) cands.push_back(k);
        several.emplace_back(i, std::move(cands));
        owner[i] = kNone - 1;
      }
    }
  }
  by_name = {};
  by_stem = {};

  // Pass 3: media files and orphan sidecars become items, in name order.
  std::vector<size_t> item_of(n, SIZE_MAX);
  for (uint32_t i = 0; i < n; ++i) {
    if (sidecar[i] && owner[i] != kNone) continue;
    Item item;
    item.dir = dir;
    item.name = std::move(names[i]);
    item.orphan_sidecar = sidecar[i];
    item_of[i] = items.size();
    items.push_back(std::move(item));
  }
  // Pass 4: sidecars join their owners.
  for (uint32_t i = 0; i < n; ++i) {
    if (sidecar[i] && owner[i] < kNone - 1) items[item_of[owner[i]]].sidecars.push_back({std::move(names[i])});
  }
  for (auto& [i, cands] : several) {
    SharedSidecar s{dir, std::move(names[i]), {}};
    for (uint32_t k : cands) s.candidates.push_back(item_of[k]);
    shared.push_back(std::move(s));
  }
}

void attach_shared_sidecars(std::vector<SharedSidecar>&& shared, std::vector<Item>& items, const ScanResult& scan,
                            const ItemProber& prober, std::vector<ScanNote>& notes) {
  for (SharedSidecar& s : shared) {
    size_t owner = s.candidates.front();
    for (size_t k : s.candidates) {
      if (items[k].usable()) {
        owner = k;
        break;
      }
    }
    notes.push_back({join(scan.dirs[s.dir], s.name), "sidecar matches " + std::to_string(s.candidates.size()) +
                                                          " files; paired with " + items[owner].name});
    Sidecar sc{std::move(s.name)};
    prober.probe_sidecar(s.dir, sc, notes);
    items[owner].sidecars.push_back(std::move(sc));
  }
}

}  // namespace tagforge
