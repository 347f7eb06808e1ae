#include "caption/match.h"

namespace tagforge {
namespace {

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool ends_with(std::string_view s, std::string_view p) { return s.size() > p.size() && s.substr(s.size() - p.size()) == p; }

// Words a phrase never needs: articles, pronouns, "is", "with"…
bool is_little(std::string_view w) {
  switch (w.size()) {
    case 1: return w[0] == 'a';
    case 2: return w == "an" || w == "of" || w == "in" || w == "on" || w == "to" || w == "is" || w == "at" ||
                   w == "by" || w == "he" || w == "it";
    case 3: return w == "the" || w == "and" || w == "her" || w == "his" || w == "are" || w == "for" || w == "she" ||
                   w == "its";
    case 4: return w == "with" || w == "they";
    case 5: return w == "their";
    default: return false;
  }
}

// Folds the plural at the end of `s` (the word starting at `start`) in place:
// "dresses" -> "dress", "ponies" -> "pony", "shoes" -> "shoe"; "glass" stays.
// Returns whether it did.
bool fold_plural(std::string& s, size_t start) {
  const std::string_view w(s.data() + start, s.size() - start);
  if (w.size() > 4 && ends_with(w, "ies")) {
    s.resize(s.size() - 3);
    s += 'y';
  } else if (w.size() > 4 && (ends_with(w, "sses") || ends_with(w, "shes") || ends_with(w, "ches") || ends_with(w, "xes"))) {
    s.resize(s.size() - 2);
  } else if (w.size() > 3 && w.back() == 's' && w[w.size() - 2] != 's' && w[w.size() - 2] != 'u' &&
             w[w.size() - 2] != 'i') {
    s.pop_back();
  } else {
    return false;
  }
  return true;
}

}  // namespace

uint64_t match_hash(std::string_view w) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (char c : w) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ull;
  }
  return h;
}

void match_words(std::string_view text, std::string& storage, std::vector<MatchWord>& out) {
  // Words are folded into `storage` first (views must not move), then cut.
  storage.clear();
  storage.reserve(text.size() + 1);
  struct Span {
    uint32_t start, len;
    bool plural;
  };
  thread_local std::vector<Span> spans;
  spans.clear();
  size_t i = 0;
  bool barrier = false;  // punctuation since the last word
  while (i < text.size()) {
    while (i < text.size() && !is_alnum(text[i]) && text[i] != '\'') {
      if (std::string_view(".,;:!?()").find(text[i]) != std::string_view::npos) barrier = true;
      ++i;
    }
    size_t j = i;
    while (j < text.size() && (is_alnum(text[j]) || text[j] == '\'')) ++j;
    if (j > i) {
      const size_t start = storage.size();
      for (size_t k = i; k < j; ++k) storage.push_back(lower(text[k]));
      if (storage.size() - start > 2 && ends_with(std::string_view(storage).substr(start), "'s")) {
        storage.resize(storage.size() - 2);  // "viewer's" ~ "viewer"
      }
      if (is_little(std::string_view(storage).substr(start))) {
        storage.resize(start);
      } else {
        const bool plural = fold_plural(storage, start);
        if (barrier && !spans.empty()) {
          // The "," goes before the word: move the word one place on.
          storage.insert(storage.begin() + static_cast<std::ptrdiff_t>(start), ',');
          spans.push_back({static_cast<uint32_t>(start), 1u, false});
          spans.push_back({static_cast<uint32_t>(start + 1), static_cast<uint32_t>(storage.size() - start - 1), plural});
        } else {
          spans.push_back({static_cast<uint32_t>(start), static_cast<uint32_t>(storage.size() - start), plural});
        }
        barrier = false;
      }
    }
    i = j;
  }
  for (const Span& sp : spans) {
    const std::string_view w = std::string_view(storage).substr(sp.start, sp.len);
    out.push_back({w, match_hash(w), sp.plural});
  }
}

std::vector<uint64_t> match_hashes(std::string_view text) {
  std::string storage;
  std::vector<MatchWord> words;
  match_words(text, storage, words);
  std::vector<uint64_t> out;
  out.reserve(words.size());
  for (const auto& w : words) out.push_back(w.hash);
  return out;
}

int find_phrase(const std::vector<MatchWord>& caption, const std::vector<uint64_t>& phrase, Skippable skippable,
                const void* context, size_t gap) {
  if (phrase.empty()) return -1;
  for (size_t start = 0; start < caption.size(); ++start) {
    if (caption[start].hash != phrase[0]) continue;
    size_t at = start, k = 1;
    for (; k < phrase.size(); ++k) {
      size_t next = at + 1, skipped = 0;
      while (next < caption.size() && caption[next].hash != phrase[k] && skipped < gap &&
             skippable(context, caption[next])) {
        ++next;
        ++skipped;
      }
      if (next >= caption.size() || caption[next].hash != phrase[k]) break;
      at = next;
    }
    if (k == phrase.size()) return static_cast<int>(start);
  }
  return -1;
}

}  // namespace tagforge
