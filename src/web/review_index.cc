#include "web/review_index.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <thread>

#include "pipeline/review_edit.h"
#include "pipeline/sqlite_db.h"

namespace tagforge {

namespace {

// One row per image or frame of the path range [?1, ?2) (?2 null: to the end);
// the results it needs, each by its primary key.
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
    " WHERE i.kind IN ('image', 'frame') AND i.path >= ?1 AND (?2 IS NULL OR i.path < ?2) ORDER BY i.path";

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

namespace {

IndexEntry entry_of(const Statement& s, const std::string& review_tag) {
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
  return e;
}

// The entries of one path range, on a connection of its own.
Status load_range(const std::filesystem::path& file, const std::string& from, const std::optional<std::string>& to,
                  const std::string& review_tag, std::vector<IndexEntry>& out) {
  auto db = SqliteDb::open(file, "manifest", ErrorCode::kCorrupt);
  if (!db) return db.error();
  Statement s((*db)->statement(kIndexSql));
  if (!s.ok()) return (*db)->error("prepare the review index");
  s.bind(1, from);
  to ? s.bind(2, *to) : s.bind_null(2);
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(entry_of(s, review_tag));
  if (rc != SQLITE_DONE) return (*db)->error("read the review index");
  return ok_status();
}

}  // namespace

Result<ReviewIndex> ReviewIndex::load(const std::filesystem::path& manifest_file, const std::string& review_tag) {
  // The JSON the rows hold is the cost (about 8 us an item on one core), so the
  // path order is cut into ranges of equal size, read at once, one a core.
  std::vector<std::string> bounds{""};
  {
    auto db = SqliteDb::open(manifest_file, "manifest", ErrorCode::kCorrupt);
    if (!db) return db.error();
    Statement count((*db)->statement("SELECT count(*) FROM items"));
    if (count.step() != SQLITE_ROW) return (*db)->error("count the items");
    const int64_t items = count.integer(0);
    const int64_t parts = items < 20000 ? 1 : std::clamp<int64_t>(std::thread::hardware_concurrency(), 1, 8);
    Statement nth((*db)->statement("SELECT path FROM items ORDER BY path LIMIT 1 OFFSET ?"));
    for (int64_t k = 1; k < parts; ++k) {
      nth.bind(1, items * k / parts);
      if (nth.step() == SQLITE_ROW) bounds.push_back(nth.text(0));
      nth.reset();
    }
  }
  std::vector<std::vector<IndexEntry>> parts(bounds.size());
  std::vector<Status> results(bounds.size(), ok_status());
  std::vector<std::thread> readers;
  for (size_t k = 0; k < bounds.size(); ++k) {
    const std::optional<std::string> to = k + 1 < bounds.size() ? std::optional(bounds[k + 1]) : std::nullopt;
    readers.emplace_back([&, k, to] { results[k] = load_range(manifest_file, bounds[k], to, review_tag, parts[k]); });
  }
  for (std::thread& t : readers) t.join();
  ReviewIndex index;
  for (size_t k = 0; k < parts.size(); ++k) {
    if (!results[k].ok()) return results[k].error();
    for (IndexEntry& e : parts[k]) index.entries_.push_back(std::move(e));
  }
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
