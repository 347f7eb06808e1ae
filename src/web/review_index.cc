#include "web/review_index.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <thread>

#include "core/json_peek.h"
#include "pipeline/item_stages.h"
#include "pipeline/review_edit.h"
#include "pipeline/sqlite_db.h"

namespace tagforge {

namespace {

// The images and frames of the path range [?1, ?2) (?2 null: to the end), and
// the same range's results (the data only of the stages the index reads),
// both in path order: one pass over each, merged.
constexpr const char* kItemsSql =
    "SELECT path, hash, error <> '' FROM items"
    " WHERE kind IN ('image', 'frame') AND path >= ?1 AND (?2 IS NULL OR path < ?2) ORDER BY path";
constexpr const char* kResultsSql =
    "SELECT path, stage, error <> '',"
    "  CASE WHEN stage IN ('score', 'nsfw', 'check', 'tags', 'caption', 'review', 'quality') THEN data END"
    " FROM results WHERE path >= ?1 AND (?2 IS NULL OR path < ?2) ORDER BY path, stage";

}  // namespace

std::string fold_for_search(std::string_view text) {
  std::string out(text);
  for (char& ch : out) ch = ch == ' ' ? '_' : char(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

namespace {

// One item's rows, gathered from the results in path order.
struct ItemRows {
  bool any_error = false;
  std::string score, nsfw, check, tags, caption, review, quality;  // data; empty: no row or a failed one
};

IndexEntry entry_of(std::string path, std::string hash, bool item_error, const ItemRows& rows,
                    const std::string& review_tag) {
  IndexEntry e;
  e.path = std::move(path);
  e.hash = std::move(hash);
  e.has_error = item_error || rows.any_error;
  if (auto v = peek_number(rows.score, "overall")) e.score = float(*v);
  if (auto v = peek_number(rows.nsfw, "nsfw")) e.nsfw = float(*v);
  if (auto v = peek_number(rows.quality, "sharpness")) e.sharpness = float(*v);
  e.low_quality = !peek_bool(rows.quality, "passes").value_or(true);
  const ReviewEdit edit = rows.review.empty() ? ReviewEdit{} : parse_review_edit(rows.review);
  if (edit.tags) {
    e.tags = *edit.tags;
  } else {
    e.tags = peek_string(rows.check, "tags").value_or(peek_string(rows.tags, "tags").value_or(""));
  }
  e.approved = edit.approved;
  e.keep_chosen = edit.keep;
  e.edited = edit.tags || edit.caption;
  const bool untagged = e.tags.empty() && peek_string(rows.caption, "source") != "sidecar" && !edit.caption;
  e.flagged = !untagged && !e.approved && e.score &&
              (peek_bool(rows.score, "flagged").value_or(false) || has_review_mark(e.tags, review_tag));
  return e;
}

// The entries of one path range, on a connection of its own.
Status load_range(const std::filesystem::path& file, const std::string& from, const std::optional<std::string>& to,
                  const std::string& review_tag, std::vector<IndexEntry>& out) {
  auto db = SqliteDb::open(file, "manifest", ErrorCode::kCorrupt);
  if (!db) return db.error();
  Statement items((*db)->statement(kItemsSql));
  Statement results((*db)->statement(kResultsSql));
  if (!items.ok() || !results.ok()) return (*db)->error("prepare the review index");
  for (Statement* s : {&items, &results}) {
    s->bind(1, from);
    to ? s->bind(2, *to) : s->bind_null(2);
  }
  int rc_results = results.step();
  int rc;
  while ((rc = items.step()) == SQLITE_ROW) {
    std::string path = items.text(0);
    ItemRows rows;
    // Results of paths before this one belong to items that are not images (clips): skipped.
    while (rc_results == SQLITE_ROW && results.text(0) < path) rc_results = results.step();
    while (rc_results == SQLITE_ROW && results.text(0) == path) {
      const std::string stage = results.text(1);
      if (results.integer(2) != 0) {
        rows.any_error = true;
      } else if (std::string* slot = stage == "score"     ? &rows.score
                                     : stage == "nsfw"    ? &rows.nsfw
                                     : stage == "check"   ? &rows.check
                                     : stage == "tags"    ? &rows.tags
                                     : stage == "caption" ? &rows.caption
                                     : stage == "review"  ? &rows.review
                                     : stage == "quality" ? &rows.quality
                                                          : nullptr) {
        *slot = results.text(3);
      }
      rc_results = results.step();
    }
    if (rc_results != SQLITE_ROW && rc_results != SQLITE_DONE) return (*db)->error("read the review index");
    out.push_back(entry_of(std::move(path), items.text(1), items.integer(2) != 0, rows, review_tag));
  }
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
  TF_RETURN_IF_ERROR(index.load_copies(manifest_file));
  return index;
}

Status ReviewIndex::load_copies(const std::filesystem::path& manifest_file) {
  auto db = SqliteDb::open(manifest_file, "manifest", ErrorCode::kCorrupt);
  if (!db) return db.error();
  Statement rows((*db)->statement("SELECT path, keeper FROM duplicates"));
  if (!rows.ok()) return ok_status();  // a manifest from before dedupe: no copies
  int rc;
  while ((rc = rows.step()) == SQLITE_ROW) {
    const std::string path = rows.text(0), keeper = rows.text(1);
    const std::optional<uint32_t> copy = id_of(path), kept = id_of(keeper);
    if (!copy || !kept) continue;  // not an image of this index
    entries_[*copy].keeper = keeper;
    entries_[*kept].keeper = keeper;
  }
  if (rc != SQLITE_DONE) return (*db)->error("read the duplicates");
  return ok_status();
}

std::vector<uint32_t> ReviewIndex::group_of(uint32_t id) const {
  std::shared_lock lock(mu_);
  std::vector<uint32_t> out;
  if (id >= entries_.size() || entries_[id].keeper.empty()) return out;
  const std::string& keeper = entries_[id].keeper;
  for (uint32_t k = 0; k < entries_.size(); ++k) {
    if (entries_[k].keeper == keeper) out.push_back(k);
  }
  std::stable_partition(out.begin(), out.end(), [&](uint32_t k) { return entries_[k].path == keeper; });
  return out;
}

std::shared_ptr<const std::vector<uint32_t>> ReviewIndex::select(const IndexQuery& q) const {
  auto number = [](const std::optional<float>& v) { return v ? std::to_string(*v) : std::string("-"); };
  const std::string key = std::to_string(q.flagged_only) + std::to_string(q.errors_only) +
                          std::to_string(q.duplicates_only) + std::to_string(q.low_quality_only) + "|" +
                          number(q.score_below) +
                          "|" + number(q.nsfw_at_least) + "|" + std::to_string(int(q.order)) + "|" + q.tag_substring;
  std::shared_lock lock(mu_);
  {
    std::lock_guard answers(answers_mu_);
    for (const Answer& a : answers_) {
      if (a.key == key && a.generation == generation_) return a.ids;
    }
  }
  auto ids = std::make_shared<const std::vector<uint32_t>>(filter_and_order(q));
  std::lock_guard answers(answers_mu_);
  std::erase_if(answers_, [&](const Answer& a) { return a.key == key || a.generation != generation_; });
  answers_.push_back(Answer{key, generation_, ids});
  if (answers_.size() > 4) answers_.erase(answers_.begin());
  return ids;
}

std::vector<uint32_t> ReviewIndex::filter_and_order(const IndexQuery& q) const {
  const std::string needle = fold_for_search(q.tag_substring);
  std::vector<uint32_t> out;
  for (uint32_t id = 0; id < entries_.size(); ++id) {
    const IndexEntry& e = entries_[id];
    if (q.flagged_only && !e.flagged) continue;
    if (q.errors_only && !e.has_error) continue;
    if (q.duplicates_only && e.keeper.empty()) continue;
    if (q.low_quality_only && !e.low_quality) continue;
    if (q.score_below && !(e.score && *e.score < *q.score_below)) continue;
    if (q.nsfw_at_least && !(e.nsfw && *e.nsfw >= *q.nsfw_at_least)) continue;
    if (!needle.empty() && fold_for_search(e.tags).find(needle) == std::string::npos) continue;
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
  if (q.duplicates_only && q.order == Order::kPath) {  // each group together, its keeper first
    std::stable_sort(out.begin(), out.end(), [&](uint32_t a, uint32_t b) {
      const IndexEntry &x = entries_[a], &y = entries_[b];
      if (x.keeper != y.keeper) return x.keeper < y.keeper;
      return x.path == x.keeper && y.path != y.keeper;
    });
  }
  if (q.order == Order::kScoreAscending) by([](const IndexEntry& e) { return e.score; }, false);
  if (q.order == Order::kScoreDescending) by([](const IndexEntry& e) { return e.score; }, true);
  if (q.order == Order::kNsfwDescending) by([](const IndexEntry& e) { return e.nsfw; }, true);
  if (q.order == Order::kSharpnessAscending) by([](const IndexEntry& e) { return e.sharpness; }, false);
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
  ++generation_;
}

}  // namespace tagforge
