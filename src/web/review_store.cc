#include "web/review_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include <sys/resource.h>
#include <unistd.h>

#include "core/fs_ops.h"
#include "pipeline/item_stages.h"
#include "pipeline/stages/score_stage.h"
#include "pipeline/options.h"
#include "pipeline/output_lock.h"
#include "pipeline/settled.h"
#include "pipeline/tag_engine.h"
#include "tagforge/lexicon.h"
#include "tagforge/tags.h"
#include "vision/aseg.h"
#include "web/thumbnails.h"

namespace tagforge {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

json parsed(const ItemState& it, const char* stage) {
  const StageResult* r = stage_result(it, stage);
  return r ? json::parse(r->data, nullptr, false) : json();
}

}  // namespace

Result<std::unique_ptr<ReviewStore>> ReviewStore::open(const fs::path& dir, const fs::path& data_dir) {
  const fs::path manifest_file = dir / ".tagforge" / "manifest.sqlite";
  std::error_code ec;
  if (!fs::is_regular_file(manifest_file, ec)) {
    return Error{ErrorCode::kNotFound, "is not a tagforge output: it has no .tagforge/manifest.sqlite (run `tagforge run` first)",
                 dir};
  }
  std::unique_ptr<ReviewStore> s(new ReviewStore());
  s->c_.in = s->c_.out = dir;
  s->c_.work = fs::is_directory(dir / ".tagforge" / "work", ec) ? dir / ".tagforge" / "work" : dir;
  s->c_.in_place = s->c_.work == dir;
  s->c_.table = s->c_.config.table();
  auto manifest = Manifest::open(manifest_file);
  if (!manifest) return manifest.error();
  s->manifest_ = std::move(*manifest);
  // The options the run used, so that the sidecars come out as the run writes them.
  auto config = s->manifest_->meta("config");
  if (!config) return config.error();
  if (*config) TF_RETURN_IF_ERROR(apply_config_text(**config, manifest_file, s->c_.table));
  s->data_dir_ = data_dir;
  ReviewStore* self = s.get();
  // The index is read while the server starts and the browser loads the page;
  // then the tag database and lexicon (the first item view and the first edit
  // want them, the gallery does not): when first asked for, or two seconds
  // on, below the requests' priority.
  s->indexed_ = std::async(std::launch::async, [self, manifest_file]() -> Status {
                  auto index = ReviewIndex::load(manifest_file, self->c_.config.check.review_tag);
                  if (!index) return index.error();
                  self->index_ = std::move(*index);
                  return ok_status();
                }).share();
  s->loaded_ = std::async(std::launch::async, [self]() -> Status {
                 self->indexed_.wait();
                 {  // after the gallery's first screen: when asked for, or a little later
                   std::unique_lock lock(self->wanted_mu_);
                   self->wanted_cv_.wait_for(lock, std::chrono::seconds(2), [self] { return self->wanted_; });
                 }
                 ::setpriority(PRIO_PROCESS, ::gettid(), 10);  // this thread only (Linux)
                 auto engine = load_tag_engine(TagEngineFiles{self->data_dir_, {}, {}}, nullptr);
                 if (!engine) return engine.error();
                 self->c_.engine = std::move(*engine);
                 auto lexicon = Lexicon::load(find_data_dir(self->data_dir_) / "lexicon.txt", &self->c_.engine->db);
                 if (!lexicon) return lexicon.error();
                 self->c_.lexicon = std::make_unique<Lexicon>(std::move(*lexicon));
                 return ok_status();
               }).share();
  return s;
}

Status ReviewStore::ready() {
  {
    std::lock_guard lock(wanted_mu_);
    wanted_ = true;
  }
  wanted_cv_.notify_all();
  return loaded_.get();
}

const ReviewIndex& ReviewStore::index() const {
  indexed_.wait();
  return index_;
}

Status ReviewStore::index_status() const { return indexed_.get(); }

fs::path ReviewStore::image_file(uint32_t id) const {
  auto e = index_.entry(id);
  return e ? c_.work / e->path : fs::path();
}

Result<std::string> ReviewStore::thumbnail(uint32_t id) const {
  auto e = index_.entry(id);
  if (!e) return Error{ErrorCode::kNotFound, fmt::format("no item {}", id), {}};
  return thumbnail_jpeg(c_.work / e->path, e->hash, c_.out / ".tagforge" / "thumbs");
}

Result<ItemState> ReviewStore::load(uint32_t id) {
  auto e = index_.entry(id);
  if (!e) return Error{ErrorCode::kNotFound, fmt::format("no item {}", id), {}};
  auto item = manifest_->item(e->path);
  if (!item) return item.error();
  if (!*item) return Error{ErrorCode::kNotFound, "is no longer in the manifest", e->path};
  return load_item(*manifest_, **item, c_);
}

json ReviewStore::tags_json(const ItemState& it) const {
  // Each tag with where it came from: the tagger (and its confidence), the input's
  // tag file or a check ("input"), or a person on this page ("edited").
  const json tagger = parsed(it, kStageTagger);
  std::set<std::string> from_stages;
  for (std::string& t : tag_line_entries(stage_tags(it))) from_stages.insert(std::move(t));
  json tags = json::array();
  for (const std::string& name : tag_line_entries(current_tags(it))) {
    json t{{"name", name}};
    std::optional<float> confidence;
    for (const char* part : {"general", "character"}) {
      if (!tagger.is_object() || !tagger.contains(part)) continue;
      if (auto p = tagger[part].find(name); p != tagger[part].end() && p->is_number()) confidence = p->get<float>();
    }
    t["source"] = !from_stages.count(name) ? "edited" : confidence ? "tagger" : "input";
    if (confidence) t["confidence"] = *confidence;
    const TagId tag = c_.engine->db.find(name);
    t["category"] = tag == kUnknownTag ? "unknown" : category_name(c_.engine->db.category(tag));
    tags.push_back(std::move(t));
  }
  return tags;
}

// The boxes and checks as the .aseg beside the image holds them; none without one.
std::optional<json> ReviewStore::aseg_json(const ItemState& it) const {
  auto aseg = read_aseg_file(aseg_path_for(it.file));
  if (!aseg) return std::nullopt;
  json boxes = json::array();
  for (const AsegEntry& e : aseg->entries) {
    const Detection& d = e.detection;
    boxes.push_back({{"label", d.label}, {"score", d.score}, {"box", {d.box.x0, d.box.y0, d.box.x1, d.box.y1}}});
  }
  json checks = json::array();
  for (const AsegCheck& k : aseg->checks) {
    checks.push_back({{"what", k.what}, {"tag", k.tag}, {"measured", k.measured}, {"verdict", k.verdict},
                      {"action", k.action}});
  }
  return json{{"width", aseg->image_width}, {"height", aseg->image_height}, {"boxes", boxes}, {"checks", checks}};
}

Result<json> ReviewStore::detail(uint32_t id) {
  TF_RETURN_IF_ERROR(ready());
  auto loaded = load(id);
  if (!loaded) return loaded.error();
  const ItemState& it = *loaded;
  const ReviewEdit edit = review_edit_of(it);
  json out{{"id", id}, {"path", it.item.path}, {"kind", it.item.kind}, {"approved", edit.approved},
           {"edited", {{"tags", edit.tags.has_value()}, {"caption", edit.caption.has_value()}}}};
  if (!it.item.source.empty()) out["source"] = it.item.source;
  auto placed = manifest_->exported_from(it.item.path);
  if (placed) out["placed"] = *placed;

  json errors = json::object();
  if (!it.item.error.empty()) errors["item"] = it.item.error;
  for (const auto& [stage, r] : it.results) {
    if (!r.error.empty()) errors[stage] = r.error;
  }
  out["errors"] = errors;

  if (stage_result(it, kStageTags)) out["tags"] = tags_json(it);
  if (const StageResult* caption = stage_result(it, kStageCaption)) {
    const json c = json::parse(caption->data, nullptr, false);
    out["caption"] = final_caption(it);
    out["caption_source"] = edit.caption ? "edited" : c.is_object() ? c.value("source", "") : "";
  }
  if (const json score = parsed(it, kStageScore); score.is_object()) {
    out["score"] = score;
    out["flagged"] = flagged(it, c_.config);
  }
  if (const json nsfw = parsed(it, kStageNsfw); nsfw.is_object() && nsfw.contains("nsfw")) out["nsfw"] = nsfw["nsfw"];
  if (json quality = parsed(it, kStageQuality); quality.is_object()) out["quality"] = std::move(quality);
  if (auto aseg = aseg_json(it)) out["aseg"] = std::move(*aseg);
  // Its group of copies: who the last run kept, and who a person chose for the next.
  if (const std::vector<uint32_t> group = index().group_of(id); !group.empty()) {
    json members = json::array();
    for (uint32_t m : group) {
      const auto e = index().entry(m);
      if (!e) continue;
      members.push_back({{"id", m},
                         {"path", e->path},
                         {"kept", e->path == e->keeper},
                         {"chosen", e->keep_chosen},
                         {"thumb", thumbnail_address(m, e->hash)}});
    }
    out["copies"] = std::move(members);
  }
  return out;
}

std::string ReviewStore::normalized_tags(const std::vector<std::string>& entries) const {
  std::string line;
  for (const std::string& e : entries) {
    if (e.find_first_not_of(" \t") == std::string::npos) continue;
    line.append(line.empty() ? "" : ", ").append(e);
  }
  return format_tags(parse_tag_list(line, c_.engine->db, "sidecar"), c_.engine->db, FormatOptions{});
}

Status ReviewStore::apply(std::vector<Pending>& pending) {
  for (Pending& p : pending) {
    ItemState& it = p.item;
    if (!stage_result(it, kStageTags) || !stage_result(it, kStageCaption) || !stage_result(it, kStageScore)) {
      return Error{ErrorCode::kInvalidInput, "has no tags, caption or score yet: let `tagforge run` finish it first",
                   it.item.path};
    }
    if (p.edit.empty()) {
      it.results.erase(kStageReview);
    } else {
      it.results[kStageReview] = StageResult{"", format_review_edit(p.edit), ""};
    }
    // Scored afresh; its fingerprint matches nothing, so the next run scores it again (to the same numbers).
    it.results[kStageScore] = StageResult{"", score_result_data(it, c_), ""};
  }
  // The manifest first, in one transaction: after a crash the next run writes the files from it.
  TF_RETURN_IF_ERROR(manifest_->begin());
  Status st = ok_status();
  for (Pending& p : pending) {
    ItemState& it = p.item;
    st = p.edit.empty() ? manifest_->remove_result(it.item.path, kStageReview)
                        : manifest_->put_result(it.item.path, kStageReview, it.results[kStageReview]);
    if (st.ok()) st = manifest_->put_result(it.item.path, kStageScore, it.results[kStageScore]);
    if (!st.ok()) break;
  }
  if (st.ok()) st = forget_settled(*manifest_);  // the next run has sidecars to write
  TF_RETURN_IF_ERROR(manifest_->commit());
  TF_RETURN_IF_ERROR(st);

  for (const Pending& p : pending) {
    const ItemState& it = p.item;
    auto written = write_item_sidecars(it, c_.config);
    if (!written) return written.error();
    // OUT holds hard links to the work folder's files; a file written anew is a new inode.
    for (const fs::path& file : *written) {
      std::error_code ec;
      if (!fs::exists(file, ec)) continue;  // removed: the next run takes its links away
      auto places = manifest_->exported_from(file.lexically_relative(c_.work).generic_string());
      if (!places) return places.error();
      for (const std::string& place : *places) TF_RETURN_IF_ERROR(link_replacing(file, c_.out / place, false));
    }
    auto entry = index_.entry(p.id);
    entry->tags = current_tags(it);
    entry->approved = p.edit.approved;
    entry->keep_chosen = p.edit.keep;
    entry->edited = p.edit.tags || p.edit.caption;
    entry->score = json::parse(it.results.at(kStageScore).data)["overall"].get<float>();
    entry->flagged = flagged(it, c_.config);
    index_.update(p.id, *entry);
  }
  return ok_status();
}

Status ReviewStore::edit_items(
    const std::vector<uint32_t>& ids,
    const std::function<Result<std::optional<ReviewEdit>>(uint32_t, const ItemState&)>& change, size_t* changed) {
  TF_RETURN_IF_ERROR(ready());
  std::lock_guard lock(edit_mu_);
  auto run_lock = OutputLock::take(c_.out / ".tagforge" / "run.lock");
  if (!run_lock) {
    return Error{ErrorCode::kBusy, "a tagforge run is writing this output; save again when it has finished", c_.out};
  }
  TF_RETURN_IF_ERROR(run_lock->writing());
  std::vector<std::pair<uint32_t, ReviewEdit>> before;
  std::vector<Pending> pending;
  Status result = ok_status();
  for (size_t i = 0; i < ids.size() && result.ok(); ++i) {
    auto it = load(ids[i]);
    if (!it) {
      result = it.error();
      break;
    }
    auto next = change(ids[i], *it);
    if (!next) {
      result = next.error();
      break;
    }
    if (*next) {
      ReviewEdit edit = **next;
      // What equals the stages' own result is no edit.
      if (edit.tags && *edit.tags == stage_tags(*it)) edit.tags.reset();
      if (edit.caption && stage_result(*it, kStageCaption) && *edit.caption == stage_caption(*it)) edit.caption.reset();
      const ReviewEdit previous = review_edit_of(*it);
      if (edit != previous) {
        before.emplace_back(ids[i], previous);
        pending.push_back(Pending{ids[i], std::move(*it), edit});
      }
    }
    if (pending.size() == kChunk || (i + 1 == ids.size() && !pending.empty())) {
      result = apply(pending);  // on failure its items stay undoable: putting them back is harmless
      pending.clear();
    }
  }
  if (result.ok()) run_lock->finished();
  if (changed) *changed = before.size();
  if (!before.empty()) {
    undo_.push_back(std::move(before));
    if (undo_.size() > kUndoDepth) undo_.erase(undo_.begin());
  }
  return result;
}

Status ReviewStore::save(uint32_t id, const std::optional<std::vector<std::string>>& tags,
                         const std::optional<std::string>& caption) {
  return edit_items({id}, [&](uint32_t, const ItemState& it) -> Result<std::optional<ReviewEdit>> {
    ReviewEdit e = review_edit_of(it);
    if (tags) e.tags = normalized_tags(*tags);
    if (caption) e.caption = *caption;
    return std::optional<ReviewEdit>(e);
  });
}

Status ReviewStore::approve(uint32_t id, bool approved) {
  return edit_items({id}, [&](uint32_t, const ItemState& it) -> Result<std::optional<ReviewEdit>> {
    ReviewEdit e = review_edit_of(it);
    e.approved = approved;
    return std::optional<ReviewEdit>(e);
  });
}

Status ReviewStore::keep(uint32_t id) {
  const std::vector<uint32_t> group = index().group_of(id);
  if (group.empty()) {
    auto e = index().entry(id);
    return Error{ErrorCode::kInvalidInput, "is in no group of copies: nothing to keep it over",
                 e ? e->path : std::to_string(id)};
  }
  return edit_items(group, [&](uint32_t member, const ItemState& it) -> Result<std::optional<ReviewEdit>> {
    ReviewEdit e = review_edit_of(it);
    e.keep = member == id;
    return std::optional<ReviewEdit>(e);
  });
}

Result<size_t> ReviewStore::batch(const std::vector<uint32_t>& ids, const TagBatch& what) {
  TF_RETURN_IF_ERROR(ready());
  // The batch's tags in the form the tag lines hold them.
  auto canonical = [&](const std::string& t) { return normalized_tags({t}); };
  std::set<std::string> remove;
  for (const std::string& t : what.remove) remove.insert(canonical(t));
  std::vector<std::pair<std::string, std::string>> replace;
  for (const auto& [from, to] : what.replace) replace.emplace_back(canonical(from), canonical(to));
  std::vector<std::string> add;
  for (const std::string& t : what.add) add.push_back(canonical(t));
  size_t changed = 0;
  Status st = edit_items(
      ids,
      [&](uint32_t, const ItemState& it) -> Result<std::optional<ReviewEdit>> {
        if (!stage_result(it, kStageTags)) return std::optional<ReviewEdit>();
        std::vector<std::string> tags;
        for (std::string& t : tag_line_entries(current_tags(it))) {
          if (remove.count(t)) continue;
          for (const auto& [from, to] : replace) {
            if (t == from) t = to;
          }
          tags.push_back(std::move(t));
        }
        for (const std::string& t : add) {
          if (std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
        }
        ReviewEdit e = review_edit_of(it);
        e.tags = normalized_tags(tags);
        return std::optional<ReviewEdit>(e);
      },
      &changed);
  if (!st.ok()) return st.error();
  return changed;
}

Result<std::vector<uint32_t>> ReviewStore::undo() {
  TF_RETURN_IF_ERROR(ready());
  std::lock_guard lock(edit_mu_);
  if (undo_.empty()) return std::vector<uint32_t>();
  auto run_lock = OutputLock::take(c_.out / ".tagforge" / "run.lock");
  if (!run_lock) {
    return Error{ErrorCode::kBusy, "a tagforge run is writing this output; undo again when it has finished", c_.out};
  }
  TF_RETURN_IF_ERROR(run_lock->writing());
  std::vector<std::pair<uint32_t, ReviewEdit>> last = std::move(undo_.back());
  undo_.pop_back();
  std::vector<uint32_t> ids;
  std::vector<Pending> pending;
  for (auto p = last.rbegin(); p != last.rend(); ++p) {
    auto it = load(p->first);
    if (!it) return it.error();
    pending.push_back(Pending{p->first, std::move(*it), p->second});
    ids.push_back(p->first);
    if (pending.size() == kChunk || std::next(p) == last.rend()) {
      TF_RETURN_IF_ERROR(apply(pending));
      pending.clear();
    }
  }
  run_lock->finished();
  return ids;
}

Result<json> ReviewStore::suggest(const std::string& text, size_t limit) {
  TF_RETURN_IF_ERROR(ready());
  const std::string needle = fold_for_search(text);
  const TagDb& db = c_.engine->db;
  struct Hit {
    bool prefix;
    uint64_t posts;
    TagId id;
  };
  std::vector<Hit> hits;
  if (!needle.empty()) {
    for (TagId id = 0; id < TagId(db.size()); ++id) {
      const std::string_view name = db.name(id);
      const size_t at = name.find(needle);
      if (at != std::string_view::npos) hits.push_back({at == 0, db.post_count(id), id});
    }
  }
  const size_t n = std::min(limit, hits.size());
  std::partial_sort(hits.begin(), hits.begin() + n, hits.end(), [&](const Hit& a, const Hit& b) {
    if (a.prefix != b.prefix) return a.prefix;
    if (a.posts != b.posts) return a.posts > b.posts;
    return db.name(a.id) < db.name(b.id);
  });
  json out = json::array();
  for (size_t i = 0; i < n; ++i) {
    out.push_back({{"name", std::string(db.name(hits[i].id))}, {"posts", hits[i].posts},
                   {"category", category_name(db.category(hits[i].id))}});
  }
  return out;
}

}  // namespace tagforge
