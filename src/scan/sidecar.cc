#include "scan/sidecar.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "core/natural_order.h"
#include "scan/media_format.h"

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

void pair_sidecars(std::vector<ProbedFile>&& files, uint32_t dir, const std::string& dir_path,
                   std::vector<Item>& items, std::vector<ScanNote>& notes) {
  const size_t first_item = items.size();
  std::unordered_map<std::string_view, size_t> by_name;  // -> index in items
  std::unordered_map<std::string_view, std::vector<size_t>> by_stem;
  std::vector<size_t> sidecar_files;
  by_name.reserve(files.size());
  by_stem.reserve(files.size());

  for (size_t i = 0; i < files.size(); ++i) {
    if (files[i].sidecar) {
      sidecar_files.push_back(i);
      continue;
    }
    Item item;
    item.dir = dir;
    item.name = std::move(files[i].name);
    item.size = files[i].size;
    item.format = files[i].format;
    item.problem = files[i].problem;
    items.push_back(std::move(item));
  }
  // Views into items' names: items is not resized below until orphans are added.
  for (size_t k = first_item; k < items.size(); ++k) {
    by_name.emplace(items[k].name, k);
    by_stem[stem_of(items[k].name)].push_back(k);
  }

  std::vector<Item> orphans;
  for (size_t i : sidecar_files) {
    ProbedFile& f = files[i];
    const std::string_view base = stem_of(f.name);
    size_t owner = SIZE_MAX;
    if (auto it = by_name.find(base); it != by_name.end()) {
      owner = it->second;
    } else if (auto st = by_stem.find(base); st != by_stem.end()) {
      const auto& cands = st->second;
      owner = cands.front();
      for (size_t k : cands) {
        if (items[k].usable()) { owner = k; break; }
      }
      if (cands.size() > 1) {
        notes.push_back({join(dir_path, f.name),
                         "sidecar matches " + std::to_string(cands.size()) + " files; paired with " +
                             items[owner].name});
      }
    }
    Sidecar sc{std::move(f.name), f.sidecar_kind, f.size};
    if (owner != SIZE_MAX) {
      items[owner].sidecars.push_back(std::move(sc));
    } else {
      Item orphan;
      orphan.dir = dir;
      orphan.name = sc.name;
      orphan.size = sc.size;
      orphan.orphan_sidecar = true;
      orphans.push_back(std::move(orphan));
    }
  }
  // The walk hands over names in natural order, so the media files are in
  // order already; only orphan sidecars (rare) call for a real sort.
  for (auto& o : orphans) items.push_back(std::move(o));
  const auto by_natural_name = [](const Item& a, const Item& b) { return natural_less(a.name, b.name); };
  const auto begin = items.begin() + static_cast<std::ptrdiff_t>(first_item);
  if (!std::is_sorted(begin, items.end(), by_natural_name)) std::sort(begin, items.end(), by_natural_name);
}

}  // namespace tagforge
