#include "tagforge/tag_db.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <deque>

#include "core/fs_ops.h"
#include "tags/flat_map.h"
#include "tags/normalize.h"

namespace tagforge {

const char* category_name(TagCategory c) {
  switch (c) {
    case TagCategory::kGeneral: return "general";
    case TagCategory::kArtist: return "artist";
    case TagCategory::kCopyright: return "copyright";
    case TagCategory::kCharacter: return "character";
    case TagCategory::kMeta: return "meta";
    case TagCategory::kRating: return "rating";
    case TagCategory::kUnknown: break;
  }
  return "unknown";
}

struct TagDb::Impl {
  std::deque<std::string> texts;  // file contents and rewritten names; views point here
  std::vector<std::string_view> names;
  std::vector<TagCategory> categories;
  std::vector<uint64_t> posts;
  // Names and aliases in one table, so that any lookup is one probe: the
  // value is the TagId, with kAliasBit set for an alias.
  static constexpr uint32_t kAliasBit = 0x80000000u;
  FlatStringMap index;
  // The most used tags again, in a table small enough to stay in cache:
  // real lists are mostly made of them (Zipf), and most lookups end here.
  static constexpr size_t kHotTags = 4096;
  FlatStringMap hot;
  size_t alias_count = 0;
  size_t skipped = 0;

  TagId find_name(std::string_view name) const {
    const uint32_t v = index.find(name);
    return (v == FlatStringMap::kMissing || (v & kAliasBit)) ? kUnknownTag : v;
  }

  TagId add(std::string_view name, TagCategory cat, uint64_t count) {
    const uint32_t v = index.find(name);
    if (v != FlatStringMap::kMissing && !(v & kAliasBit)) {
      categories[v] = cat;
      posts[v] = count;
      return v;
    }
    if (v != FlatStringMap::kMissing) --alias_count;  // a tag of its own now, no longer an alias
    const TagId id = static_cast<TagId>(names.size());
    names.push_back(name);
    categories.push_back(cat);
    posts.push_back(count);
    index.assign(name, id);
    return id;
  }

  // A name that is a tag of its own stays that tag.
  void add_alias(std::string_view alias, TagId id) {
    const uint32_t v = index.find(alias);
    if (v != FlatStringMap::kMissing && !(v & kAliasBit)) return;
    if (v == FlatStringMap::kMissing) ++alias_count;
    index.assign(alias, id | kAliasBit);
  }

  // A name as written in a CSV, in canonical form; a view into `texts` when
  // it had to change.
  std::string_view canonical(std::string_view raw) {
    std::string norm;
    normalize_tag_text(raw, norm);
    if (norm == raw) return raw;
    texts.push_back(std::move(norm));
    return texts.back();
  }

  void parse(std::string_view text);
  void add_ratings();

  void build_hot_table() {
    std::vector<TagId> ids(names.size());
    for (TagId i = 0; i < ids.size(); ++i) ids[i] = i;
    const size_t n = std::min(kHotTags, ids.size());
    std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(n), ids.end(),
                      [&](TagId a, TagId b) { return posts[a] != posts[b] ? posts[a] > posts[b] : a < b; });
    hot = FlatStringMap();
    hot.reserve(n);
    for (size_t k = 0; k < n; ++k) hot.insert(names[ids[k]], ids[k]);
  }
};

namespace {

// One CSV field starting at `pos`; advances past the comma that ends it.
// Quoted fields may hold commas and "" for a quote.
std::string_view next_field(std::string_view line, size_t& pos, std::deque<std::string>& owned) {
  if (pos >= line.size()) {
    pos = line.size() + 1;
    return {};
  }
  if (line[pos] != '"') {
    size_t end = line.find(',', pos);
    if (end == std::string_view::npos) end = line.size();
    std::string_view f = line.substr(pos, end - pos);
    pos = end + 1;
    return f;
  }
  size_t i = pos + 1;
  std::string unescaped;
  bool had_escape = false;
  size_t start = i;
  while (i < line.size()) {
    if (line[i] == '"') {
      if (i + 1 < line.size() && line[i + 1] == '"') {
        if (!had_escape) unescaped.assign(line.substr(start, i - start));
        had_escape = true;
        unescaped += '"';
        i += 2;
        continue;
      }
      break;
    }
    if (had_escape) unescaped += line[i];
    ++i;
  }
  std::string_view f = line.substr(start, i - start);
  if (had_escape) {
    owned.push_back(std::move(unescaped));
    f = owned.back();
  }
  // Past the closing quote and the comma after it.
  size_t end = line.find(',', i);
  pos = end == std::string_view::npos ? line.size() + 1 : end + 1;
  return f;
}

template <typename T>
bool parse_number(std::string_view s, T& out) {
  while (!s.empty() && (s.front() == ' ')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool known_category(int c) { return c == 0 || c == 1 || c == 3 || c == 4 || c == 5 || c == 9; }

}  // namespace

void TagDb::Impl::parse(std::string_view text) {
  size_t line_start = 0;
  while (line_start < text.size()) {
    size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    std::string_view line = text.substr(line_start, line_end - line_start);
    line_start = line_end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;

    size_t pos = 0;
    const std::string_view raw_name = next_field(line, pos, texts);
    const std::string_view cat_field = next_field(line, pos, texts);
    const std::string_view count_field = next_field(line, pos, texts);
    const std::string_view alias_field = next_field(line, pos, texts);
    int cat = 0;
    uint64_t count = 0;
    if (!cat_field.empty() && (!parse_number(cat_field, cat) || !known_category(cat))) {
      ++skipped;
      continue;
    }
    if (!count_field.empty() && !parse_number(count_field, count)) count = 0;
    const std::string_view name = canonical(raw_name);
    if (name.empty() || name.size() > kMaxTagBytes) {
      ++skipped;
      continue;
    }
    const TagId id = add(name, static_cast<TagCategory>(cat), count);
    size_t apos = 0;
    while (apos <= alias_field.size()) {
      size_t comma = alias_field.find(',', apos);
      if (comma == std::string_view::npos) comma = alias_field.size();
      std::string_view alias = alias_field.substr(apos, comma - apos);
      apos = comma + 1;
      if (alias.empty()) continue;
      alias = canonical(alias);
      if (!alias.empty() && alias.size() <= kMaxTagBytes) add_alias(alias, id);
    }
  }
}

void TagDb::Impl::add_ratings() {
  static constexpr std::string_view kRatings[] = {"general", "sensitive", "questionable", "explicit"};
  for (std::string_view r : kRatings) {
    if (find_name(r) != kUnknownTag) continue;
    const TagId id = add(r, TagCategory::kRating, 0);
    for (std::string_view prefix : {"rating:", "rating_"}) {
      texts.push_back(std::string(prefix) + std::string(r));
      add_alias(texts.back(), id);
    }
  }
  // Danbooru's older names for two of them.
  for (auto [alias, target] : {std::pair<std::string_view, std::string_view>{"rating:safe", "general"},
                               {"rating_safe", "general"}, {"rating:s", "sensitive"}, {"rating:q", "questionable"},
                               {"rating:e", "explicit"}, {"rating:g", "general"}}) {
    if (const TagId t = find_name(target); t != kUnknownTag) add_alias(alias, t);
  }
}

TagDb::TagDb() : impl_(std::make_unique<Impl>()) {}
TagDb::~TagDb() = default;
TagDb::TagDb(TagDb&&) noexcept = default;
TagDb& TagDb::operator=(TagDb&&) noexcept = default;

void TagDb::finish_loading() {
  impl_->add_ratings();
  impl_->build_hot_table();
  names_ = impl_->names.data();  // no tag is added after this
}

TagDb TagDb::from_csv_text(std::string text, std::string_view) {
  TagDb db;
  db.impl_->texts.push_back(std::move(text));
  db.impl_->parse(db.impl_->texts.back());
  db.finish_loading();
  return db;
}

Result<TagDb> TagDb::load(const std::vector<std::filesystem::path>& csv_files) {
  TagDb db;
  db.impl_->index.reserve(200000);
  for (const auto& path : csv_files) {
    auto text = read_whole_file(path, "tag database");
    if (!text) return text.error();
    db.impl_->texts.push_back(std::move(*text));
    db.impl_->parse(db.impl_->texts.back());
  }
  db.finish_loading();
  return db;
}

TagId TagDb::find(std::string_view name) const { return resolve(name, nullptr); }

TagId TagDb::resolve(std::string_view name, bool* was_alias, std::string_view* canonical) const {
  std::string_view stored;
  if (const uint32_t hot = impl_->hot.find(name, &stored); hot != FlatStringMap::kMissing) {
    if (was_alias) *was_alias = false;
    if (canonical) *canonical = stored;
    return hot;
  }
  const uint32_t v = impl_->index.find(name, &stored);
  const bool alias = v != FlatStringMap::kMissing && (v & Impl::kAliasBit);
  if (was_alias) *was_alias = alias;
  if (v == FlatStringMap::kMissing) return kUnknownTag;
  const TagId id = v & ~Impl::kAliasBit;
  // A name's own key is the copy this lookup just read: cheaper to reach
  // later than names_[id].
  if (canonical) *canonical = alias ? names_[id] : stored;
  return id;
}

TagCategory TagDb::category(TagId id) const {
  return id == kUnknownTag ? TagCategory::kUnknown : impl_->categories[id];
}
uint64_t TagDb::post_count(TagId id) const { return id == kUnknownTag ? 0 : impl_->posts[id]; }
size_t TagDb::size() const { return impl_->names.size(); }
size_t TagDb::aliases() const { return impl_->alias_count; }
size_t TagDb::skipped_lines() const { return impl_->skipped; }

std::filesystem::path find_data_dir(const std::filesystem::path& override_dir) {
  namespace fs = std::filesystem;
  if (!override_dir.empty()) return override_dir;
  if (const char* env = std::getenv("TAGFORGE_DATA_DIR"); env && *env) return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "tagforge";
    if (fs::exists(installed / "danbooru_tags.csv", ec)) return installed;
  }
  return TAGFORGE_SOURCE_DATA_DIR;
}

}  // namespace tagforge
