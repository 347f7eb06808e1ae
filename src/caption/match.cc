#include "caption/match.h"

#include <array>
#include <cctype>

namespace tagforge {
namespace {

bool ends_with(std::string_view s, std::string_view p) { return s.size() > p.size() && s.substr(s.size() - p.size()) == p; }

// "dresses" -> "dress", "ponies" -> "pony", "shoes" -> "shoe", "glass" stays.
std::string_view fold_plural(std::string_view w, std::string& tmp) {
  if (w.size() > 4 && ends_with(w, "ies")) {
    tmp.assign(w.substr(0, w.size() - 3));
    tmp += 'y';
    return tmp;
  }
  if (w.size() > 4 && (ends_with(w, "sses") || ends_with(w, "shes") || ends_with(w, "ches") || ends_with(w, "xes"))) {
    return w.substr(0, w.size() - 2);
  }
  if (w.size() > 3 && w.back() == 's' && w[w.size() - 2] != 's' && w[w.size() - 2] != 'u' && w[w.size() - 2] != 'i') {
    return w.substr(0, w.size() - 1);
  }
  return w;
}

}  // namespace

bool is_little_word(std::string_view w) {
  static constexpr std::array<std::string_view, 22> kLittle = {"a",   "an",  "the",  "of",   "with", "in",
                                                               "on",  "to",  "and",  "her",  "his",  "their",
                                                               "its", "is",  "are",  "at",   "by",   "for",
                                                               "she", "he",  "they", "it"};
  for (auto l : kLittle) {
    if (w == l) return true;
  }
  return false;
}

void match_words(std::string_view text, std::string& storage, std::vector<std::string_view>& out) {
  // Fold into `storage` first (views must not move), then cut.
  storage.clear();
  storage.reserve(text.size() + 1);
  std::string tmp;
  std::vector<std::pair<size_t, size_t>> spans;
  size_t i = 0;
  bool barrier = false;  // punctuation since the last word
  while (i < text.size()) {
    while (i < text.size() && !std::isalnum(static_cast<unsigned char>(text[i])) && text[i] != '\'') {
      if (std::string_view(".,;:!?()").find(text[i]) != std::string_view::npos) barrier = true;
      ++i;
    }
    size_t j = i;
    while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '\'')) ++j;
    if (j > i) {
      std::string word(text.substr(i, j - i));
      for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (word.size() > 2 && ends_with(word, "'s")) word.resize(word.size() - 2);  // "viewer's" ~ "viewer"
      if (!is_little_word(word)) {
        if (barrier && !spans.empty()) {
          spans.emplace_back(storage.size(), 1);
          storage.push_back(',');
        }
        barrier = false;
        const std::string_view folded = fold_plural(word, tmp);
        spans.emplace_back(storage.size(), folded.size());
        storage.append(folded);
      }
    }
    i = j;
  }
  for (auto [start, len] : spans) out.push_back(std::string_view(storage).substr(start, len));
}

int find_phrase(const std::vector<std::string_view>& caption, const std::vector<std::string_view>& phrase,
                Skippable skippable, const void* context, size_t gap) {
  if (phrase.empty()) return -1;
  for (size_t start = 0; start < caption.size(); ++start) {
    if (caption[start] != phrase[0]) continue;
    size_t at = start, k = 1;
    for (; k < phrase.size(); ++k) {
      size_t next = at + 1, skipped = 0;
      while (next < caption.size() && caption[next] != phrase[k] && skipped < gap && skippable(context, caption[next])) {
        ++next;
        ++skipped;
      }
      if (next >= caption.size() || caption[next] != phrase[k]) break;
      at = next;
    }
    if (k == phrase.size()) return static_cast<int>(start);
  }
  return -1;
}

}  // namespace tagforge
