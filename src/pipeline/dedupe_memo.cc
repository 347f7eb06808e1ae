#include "pipeline/dedupe_memo.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <unordered_map>

#include "dedupe/near_copies.h"

namespace tagforge {

namespace {

constexpr const char* kMetaKey = "dedupe memo";

// "settings\n" then "KEY LABEL\n" per image: KEY 16 hex digits, LABEL decimal or "-" (alone).
bool parse(std::string_view text, std::string_view settings, std::vector<std::pair<uint64_t, uint32_t>>& out) {
  const size_t eol = text.find('\n');
  if (eol == std::string_view::npos || text.substr(0, eol) != settings) return false;
  text.remove_prefix(eol + 1);
  while (!text.empty()) {
    const size_t end = text.find('\n');
    if (end == std::string_view::npos || end < 18 || text[16] != ' ') return false;
    uint64_t key = 0;
    if (std::from_chars(text.data(), text.data() + 16, key, 16).ptr != text.data() + 16) return false;
    const std::string_view label = text.substr(17, end - 17);
    uint32_t value = kJudgedAlone;
    if (label != "-") {
      const auto got = std::from_chars(label.data(), label.data() + label.size(), value);
      if (got.ptr != label.data() + label.size() || value >= kJudgedAlone) return false;
    }
    out.emplace_back(key, value);
    text.remove_prefix(end + 1);
  }
  std::sort(out.begin(), out.end());
  return true;
}

}  // namespace

Result<DedupeMemo> DedupeMemo::load(Manifest& m, const std::string& settings) {
  DedupeMemo memo;
  memo.settings_ = settings;
  auto stored = m.meta(kMetaKey);
  if (!stored) return stored.error();
  if (!*stored) return memo;
  memo.stored_ = std::move(**stored);
  if (!parse(memo.stored_, settings, memo.entries_)) memo.entries_.clear();  // other settings: all new
  return memo;
}

std::vector<uint32_t> DedupeMemo::earlier(std::span<const uint64_t> keys) const {
  std::vector<uint32_t> label(keys.size(), kNotJudged);
  if (entries_.empty()) return label;
  std::unordered_map<uint64_t, uint32_t> now;  // key -> how many images have it now
  for (uint64_t k : keys) ++now[k];
  auto by_key = [](const std::pair<uint64_t, uint32_t>& e, uint64_t k) { return e.first < k; };
  for (size_t i = 0; i < keys.size(); ++i) {
    const auto first = std::lower_bound(entries_.begin(), entries_.end(), keys[i], by_key);
    auto last = first;
    while (last != entries_.end() && last->first == keys[i]) ++last;
    // Judged when the key was there as many times (images with one key are alike in every verdict).
    if (first != last && size_t(last - first) == now[keys[i]]) label[i] = first->second;
  }
  // A group with a member gone or changed is judged again, whole.
  std::unordered_map<uint32_t, size_t> before, judged;
  for (const auto& [key, l] : entries_) {
    if (l != kJudgedAlone) ++before[l];
  }
  for (uint32_t l : label) {
    if (l != kNotJudged && l != kJudgedAlone) ++judged[l];
  }
  for (uint32_t& l : label) {
    if (l != kNotJudged && l != kJudgedAlone && judged[l] != before[l]) l = kNotJudged;
  }
  return label;
}

Status DedupeMemo::save(Manifest& m, std::span<const uint64_t> keys, const std::vector<std::vector<uint32_t>>& groups) {
  std::vector<uint32_t> label(keys.size(), kJudgedAlone);
  for (uint32_t g = 0; g < groups.size(); ++g)
    for (uint32_t i : groups[g]) label[i] = g;
  std::string text = settings_ + "\n";
  text.reserve(text.size() + keys.size() * 22);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (label[i] == kJudgedAlone) {
      fmt::format_to(std::back_inserter(text), "{:016x} -\n", keys[i]);
    } else {
      fmt::format_to(std::back_inserter(text), "{:016x} {}\n", keys[i], label[i]);
    }
  }
  if (text == stored_) return ok_status();
  TF_RETURN_IF_ERROR(m.put_meta(kMetaKey, text));
  stored_ = std::move(text);
  return ok_status();
}

}  // namespace tagforge
