#include "web/review_index.h"

#include <algorithm>
#include <cctype>
#include <mutex>

#include "pipeline/review_edit.h"
#include "pipeline/sqlite_db.h"

namespace tagforge {

namespace {

// One row per image or frame; the results it needs, each by its primary key.
constexpr const char* kIndexSql =
    "SELECT i.path, i.hash, i.error <> '',"
    "  json_extract(s.data, '$.overall'), json_extract(s.data, '$.flagged'),"
    "  json_extract(n.data, '$.nsfw'),"
    "  coalesce(json_extract(k.data, '$.tags'), json_extract(t.data, '$.tags'), ''),"
    "  coalesce(r.data, ''), coalesce(json_extract(c.data, '$.source'), ''),"
    "  EXISTS(SELECT 1 FROM results e WHERE e.path = i.path AND e.error <> '')"
    " FROM items i"
    " LEFT JOIN results s ON s.path = i.path AND s.stage = 'score' AND s.error = ''"
    " LEFT JOIN results n ON n.path = i.path AND n.stage = 'nsfw' AND n.error = ''"
    " LEFT JOIN results k ON k.path = i.path AND k.stage = 'check' AND k.error = ''"
    " LEFT JOIN results t ON t.path = i.path AND t.stage = 'tags' AND t.error = ''"
    " LEFT JOIN results c ON c.path = i.path AND c.stage = 'caption' AND c.error = ''"
    " LEFT JOIN results r ON r.path = i.path AND r.stage = 'review'"
    " WHERE i.kind IN ('image', 'frame') ORDER BY i.path";

// Lower case, spaces as underscores: "Long Hair" finds long_hair.
std::string fold(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = ch == ' ' ? '_' : char(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace

bool has_review_mark(const std::string& tag_line, const std::string& review_tag) {
  if (review_tag.empty()) return false;
  return (", " + tag_line + ", ").find(", " + review_tag + ", ") != std::string::npos;
}

Result<ReviewIndex> ReviewIndex::load(const std::filesystem::path& manifest_file, const std::string& review_tag) {
  auto db = SqliteDb::open(manifest_file, "manifest", ErrorCode::kCorrupt);
  if (!db) return db.error();
  ReviewIndex index;
  Status st = (*db)->for_each_row(kIndexSql, [&](const Statement& s) -> Status {
    IndexEntry e;
    e.path = s.text(0);
    e.hash = s.text(1);
    e.has_error = s.integer(2) != 0 || s.integer(9) != 0;
    if (!s.is_null(3)) e.score = float(s.real(3));
    if (!s.is_null(5)) e.nsfw = float(s.real(5));
    const ReviewEdit edit = parse_review_edit(s.text(7));
    e.tags = edit.tags ? *edit.tags : s.text(6);
    e.approved = edit.approved;
    e.edited = edit.tags || edit.caption;
    const bool untagged = e.tags.empty() && s.text(8) != "sidecar" && !edit.caption;
    e.flagged = !untagged && !e.approved && e.score &&
                ((!s.is_null(4) && s.integer(4) != 0) || has_review_mark(e.tags, review_tag));
    index.entries_.push_back(std::move(e));
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return index;
}

std::vector<uint32_t> ReviewIndex::select(const IndexQuery& q) const {
  std::shared_lock lock(mu_);
  const std::string needle = fold(q.tag_substring);
  std::vector<uint32_t> out;
  for (uint32_t id = 0; id < entries_.size(); ++id) {
    const IndexEntry& e = entries_[id];
    if (q.flagged_only && !e.flagged) continue;
    if (q.errors_only && !e.has_error) continue;
    if (q.score_below && !(e.score && *e.score < *q.score_below)) continue;
    if (q.nsfw_at_least && !(e.nsfw && *e.nsfw >= *q.nsfw_at_least)) continue;
    if (!needle.empty() && fold(e.tags).find(needle) == std::string::npos) continue;
    out.push_back(id);
  }
  using Order = IndexQuery::Order;
  auto by = [&](auto key, bool descending) {
    std::stable_sort(out.begin(), out.end(), [&](uint32_t a, uint32_t b) {
      const auto ka = key(entries_[a]), kb = key(entries_[b]);
      if (!ka || !kb) return ka.has_value() && !kb.has_value();  // the unknown last
      return descending ? *ka > *kb : *ka < *kb;
    });
  };
  if (q.order == Order::kScoreAscending) by([](const IndexEntry& e) { return e.score; }, false);
  if (q.order == Order::kScoreDescending) by([](const IndexEntry& e) { return e.score; }, true);
  if (q.order == Order::kNsfwDescending) by([](const IndexEntry& e) { return e.nsfw; }, true);
  return out;
}

std::optional<IndexEntry> ReviewIndex::entry(uint32_t id) const {
  std::shared_lock lock(mu_);
  if (id >= entries_.size()) return std::nullopt;
  return entries_[id];
}

std::optional<uint32_t> ReviewIndex::id_of(const std::string& path) const {
  std::shared_lock lock(mu_);
  auto it = std::lower_bound(entries_.begin(), entries_.end(), path,
                             [](const IndexEntry& e, const std::string& p) { return e.path < p; });
  if (it == entries_.end() || it->path != path) return std::nullopt;
  return uint32_t(it - entries_.begin());
}

void ReviewIndex::update(uint32_t id, const IndexEntry& entry) {
  std::unique_lock lock(mu_);
  if (id < entries_.size()) entries_[id] = entry;
}

}  // namespace tagforge
