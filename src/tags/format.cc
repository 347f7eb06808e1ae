// format_tags: kohya's tag_images_by_wd14_tagger.py output options.
#include <algorithm>
#include <cstring>

#include "tagforge/tags.h"
#include "tags/normalize.h"

namespace tagforge {
namespace {

// Lower sorts first with Order::kCategory.
int category_rank(TagCategory c) {
  switch (c) {
    case TagCategory::kCharacter: return 0;
    case TagCategory::kCopyright: return 1;
    case TagCategory::kArtist: return 2;
    case TagCategory::kGeneral: return 3;
    case TagCategory::kUnknown: return 4;
    case TagCategory::kMeta: return 5;
    case TagCategory::kRating: return 6;
  }
  return 7;
}

// With `\(` and `\)` for prompt-syntax consumers; the plain case is written
// in bulk by format_tags.
void append_escaped(std::string_view canonical, bool spaces, std::string& out) {
  for (char c : canonical) {
    if (c == '_' && spaces) c = ' ';
    if (c == '(' || c == ')') out += '\\';
    out += c;
  }
}

}  // namespace

void format_tags(const TagList& list, const TagDb& db, const FormatOptions& opt, std::string& out,
                 std::string_view append_to) {
  out.clear();
  // Order: indices, then stable moves to the front or back.
  thread_local std::vector<size_t> order;  // reused: no allocation per list
  order.clear();
  size_t rating = SIZE_MAX;
  for (size_t i = 0; i < list.tags.size(); ++i) {
    if (opt.rating != FormatOptions::Rating::kKeep && db.category(list.tags[i].id) == TagCategory::kRating) {
      if (rating == SIZE_MAX) rating = i;  // one rating at most
      continue;
    }
    order.push_back(i);
  }
  if (opt.order == FormatOptions::Order::kConfidence) {
    // Human-written tags (no probability) keep their place ahead of guesses.
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const float ca = list.tags[a].confidence < 0 ? 2.0f : list.tags[a].confidence;
      const float cb = list.tags[b].confidence < 0 ? 2.0f : list.tags[b].confidence;
      return ca > cb;
    });
  } else if (opt.order == FormatOptions::Order::kCategory) {
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return category_rank(db.category(list.tags[a].id)) < category_rank(db.category(list.tags[b].id));
    });
  }
  if (opt.character_first) {
    std::stable_partition(order.begin(), order.end(),
                          [&](size_t i) { return db.category(list.tags[i].id) == TagCategory::kCharacter; });
  }
  if (!opt.always_first.empty()) {
    std::vector<size_t> front;
    std::string want;
    for (const auto& t : opt.always_first) {
      normalize_tag_text(t, want);
      for (size_t k = 0; k < order.size(); ++k) {
        if (list.name(order[k], db) == want) {
          front.push_back(order[k]);
          order.erase(order.begin() + static_cast<std::ptrdiff_t>(k));
          break;
        }
      }
    }
    order.insert(order.begin(), front.begin(), front.end());
  }
  if (rating != SIZE_MAX) {
    if (opt.rating == FormatOptions::Rating::kFirst) order.insert(order.begin(), rating);
    else if (opt.rating == FormatOptions::Rating::kLast) order.push_back(rating);
  }

  // Append mode: the existing line stays as written; new tags follow unless
  // it already has them (compared in canonical form).
  std::vector<std::string> existing;
  if (!append_to.empty()) {
    std::vector<std::string_view> entries;
    split_tag_list(append_to, entries);
    std::string canonical;
    for (std::string_view e : entries) {
      float w;
      if (normalize_entry(e, &db, canonical, &w) != EntryStatus::kOk) continue;
      const TagId id = db.find(canonical);
      existing.push_back(id == kUnknownTag ? canonical : std::string(db.name(id)));
      std::string_view trimmed = e;
      while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t')) trimmed.remove_prefix(1);
      while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\t' || trimmed.back() == '\r')) {
        trimmed.remove_suffix(1);
      }
      if (!out.empty()) out += opt.separator;
      out += trimmed;
    }
  }
  auto listed = [&](std::string_view name) {
    return !existing.empty() && std::find(existing.begin(), existing.end(), name) != existing.end();
  };
  auto spaces_for = [&](std::string_view name) { return opt.remove_underscores && !is_kaomoji(name); };
  if (opt.escape_parentheses) {
    for (size_t i : order) {
      const std::string_view name = list.name(i, db);
      if (listed(name)) continue;
      if (!out.empty()) out += opt.separator;
      append_escaped(name, spaces_for(name), out);
    }
    return;
  }
  // The common case, written straight into one buffer sized once (in paired
  // bench_tags runs a few per cent faster than appending tag by tag).
  size_t total = out.size();
  for (size_t i : order) total += opt.separator.size() + list.name(i, db).size();
  const size_t at = out.size();
  out.resize(total);
  char* const begin = out.data();
  char* w = begin + at;
  for (size_t i : order) {
    const std::string_view name = list.name(i, db);
    if (listed(name)) continue;
    if (w != begin) {
      std::memcpy(w, opt.separator.data(), opt.separator.size());
      w += opt.separator.size();
    }
    if (spaces_for(name)) {
      for (char c : name) *w++ = c == '_' ? ' ' : c;
    } else {
      std::memcpy(w, name.data(), name.size());
      w += name.size();
    }
  }
  out.resize(static_cast<size_t>(w - begin));
}

std::string format_tags(const TagList& list, const TagDb& db, const FormatOptions& opt) {
  std::string out;
  format_tags(list, db, opt, out);
  return out;
}

}  // namespace tagforge
