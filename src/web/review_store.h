// The review server's model of OUT: the items' details as the page shows
// them, and the edits a person makes. An edit is the item's "review" row in
// the manifest (pipeline/review_edit.h); saving it writes that row and the
// fresh score first, then the item's sidecars atomically in the work folder,
// then places them again at their places in OUT's buckets (the manifest's
// exported table knows them). Which bucket an item is in, and the metadata
// files, follow on the next `tagforge run`, which keeps the edit.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/manifest.h"
#include "pipeline/item_stages.h"
#include "pipeline/review_edit.h"
#include "pipeline/run_context.h"
#include "web/review_index.h"

namespace tagforge {

// What a batch does to each item's tags: remove, then replace, then add.
struct TagBatch {
  std::vector<std::string> add, remove;
  std::vector<std::pair<std::string, std::string>> replace;  // from, to
};

class ReviewStore {
 public:
  // DIR is a `tagforge run` output (or an input run --in-place). The tag
  // database and lexicon load in the background; edits wait for them.
  static Result<std::unique_ptr<ReviewStore>> open(const std::filesystem::path& dir,
                                                   const std::filesystem::path& data_dir = {});

  // The gallery's index; waits until it is read. Empty if reading it failed (index_status says why).
  const ReviewIndex& index() const;
  Status index_status() const;
  const std::filesystem::path& dir() const { return c_.out; }
  // The item's image file (in the work folder).
  std::filesystem::path image_file(uint32_t id) const;
  // Its thumbnail JPEG, made once per content hash into OUT/.tagforge/thumbs.
  Result<std::string> thumbnail(uint32_t id) const;

  // Everything the item view shows, as JSON.
  Result<nlohmann::json> detail(uint32_t id);
  // New tags (a list of entries) and/or a new caption for one item.
  Status save(uint32_t id, const std::optional<std::vector<std::string>>& tags,
              const std::optional<std::string>& caption);
  Status approve(uint32_t id, bool approved);
  // The item becomes the one of its group of copies that the next run keeps
  // (ReviewEdit::keep; the others' picks are taken back). An edit like any other: undoable.
  Status keep(uint32_t id);
  // Returns how many items changed.
  Result<size_t> batch(const std::vector<uint32_t>& ids, const TagBatch& what);
  // Takes back the last save, approval or batch; returns the ids it touched (none: nothing to undo).
  Result<std::vector<uint32_t>> undo();
  // Tags of the database that contain `text` (prefix matches first, then by post count).
  Result<nlohmann::json> suggest(const std::string& text, size_t limit);

 private:
  ReviewStore() = default;
  Status ready();  // waits for the tag database and lexicon
  Result<ItemState> load(uint32_t id);
  struct Pending {
    uint32_t id;
    ItemState item;
    ReviewEdit edit;
  };
  static constexpr size_t kChunk = 256;  // items written per manifest transaction
  // Writes each edit as its item's review row (none when empty) with the
  // score, all in one transaction; then the sidecars and their places in OUT;
  // refreshes the index entries.
  Status apply(std::vector<Pending>& pending);
  // Runs `change` on each id under the output's lock; records the previous edits for undo.
  Status edit_items(const std::vector<uint32_t>& ids, const std::function<Result<std::optional<ReviewEdit>>(
                                                        uint32_t, const ItemState&)>& change,
                    size_t* changed = nullptr);
  std::string normalized_tags(const std::vector<std::string>& entries) const;
  nlohmann::json tags_json(const ItemState& item) const;
  std::optional<nlohmann::json> aseg_json(const ItemState& item) const;

  RunContext c_;
  std::unique_ptr<Manifest> manifest_;
  ReviewIndex index_;
  std::shared_future<Status> indexed_;  // index_ is read
  std::shared_future<Status> loaded_;   // the tag engine and lexicon
  std::mutex wanted_mu_;
  std::condition_variable wanted_cv_;
  bool wanted_ = false;  // something waits for them: load them now
  std::filesystem::path data_dir_;

  std::mutex edit_mu_;  // one edit at a time
  static constexpr size_t kUndoDepth = 200;
  std::vector<std::vector<std::pair<uint32_t, ReviewEdit>>> undo_;  // each edit's items and their edits before it
};

}  // namespace tagforge
