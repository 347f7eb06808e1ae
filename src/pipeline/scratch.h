// The lists a run would otherwise hold whole (its items, the files its work
// folder should keep, the export's plan), kept on disk instead: a private
// SQLite database in OUT/.tagforge/scratch.sqlite without a journal, removed
// when closed and, after a kill, when the next run opens it. SQLite's page
// cache and its sorter are bounded, so a run's memory stays flat however many
// items it has. Nothing in it outlives the run; the manifest is the record.
//
// One thread at a time: the pipeline touches it from its serial stages only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "pipeline/item_stages.h"
#include "pipeline/sqlite_db.h"
#include "tagforge/error.h"

namespace tagforge {

class Scratch {
 public:
  static Result<std::unique_ptr<Scratch>> open(const std::filesystem::path& file);
  ~Scratch();  // closes and removes the file
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  // Many writes as one: far faster than one transaction each.
  Status begin();
  Status commit();

  // The run's images and frames, in the order added, with what the input
  // brought (its tags and caption); results are not kept here.
  Status add_item(const ItemState& item);
  uint64_t item_count() const { return items_; }
  // Up to `n` items from position `from` (0-based), each file under `work`.
  Result<std::vector<ItemState>> items(uint64_t from, size_t n, const std::filesystem::path& work);

  // The items as the manifest's rows hold them (the inputs wrote those), but without the
  // error, which only the manifest has; in bytewise path order.
  Status for_each_item_row(const std::function<Status(const ManifestItem&)>& visit);

  // A set of paths: the files the work folder should hold after the run. And a set of
  // item stems ("dir/name" without the extension): the files the run writes beside an item
  // are its stem and a suffix (the caller knows which), one row for them all.
  Status expect(const std::string& path);
  Result<bool> expected(const std::string& path);
  Status expect_stem(const std::string& stem);
  Result<bool> expected_stem(const std::string& stem);

  // The export, step one: an entry of the work folder to plan (a media file or
  // another file with the names of the files travelling with it), and
  // every one again by name in natural order, then by folder: the sorter's order.
  struct ToPlan {
    std::string dir, name;
    int cls = 0;                        // a SortClass
    std::vector<std::string> sidecars;  // file names in the same folder
    std::vector<FileStamp> stamps;      // the item's, then each sidecar's, as the scan saw them
  };
  Status add_to_plan(const ToPlan& entry);
  // Empties both steps' tables: a run that exports twice (a settled run's check found a change) plans afresh.
  Status clear_plan();
  Status for_each_to_plan(const std::function<Status(const ToPlan&)>& visit);

  // Step two: each file's destination. Planned by destination (bytewise
  // order, as the manifest keeps what was exported); `media`: the file is an
  // item's own (not a sidecar), found again by placed().
  // `stamp`: the source's as the scan saw it, or a zero one.
  Status add_planned(const std::string& src, const std::string& dst, bool media, const FileStamp& stamp = {});
  uint64_t planned_count() const { return planned_; }
  Status for_each_planned(
      const std::function<Status(const std::string& src, const std::string& dst, const FileStamp& stamp)>& visit);
  // Whether each destination asked for is planned, asked in bytewise order: one pass over the
  // plan, not a lookup a file. One at a time; nothing may change the plan meanwhile.
  class PlannedInOrder {
   public:
    explicit PlannedInOrder(Scratch& scratch);
    // REQUIRES: `dst` is not before the destination asked for last.
    Result<bool> has(const std::string& dst);

   private:
    Scratch& scratch_;
    OrderedCursor cursor_;
  };
  // Whether something is planned at `dst`, and the names planned inside bucket `folder` (the
  // export keeps files where the last run put them, then fills the gaps).
  Result<bool> is_planned(const std::string& dst);
  Status names_planned_in(const std::string& folder, std::unordered_set<std::string>& names);
  // The file was not placed after all (something in the way): placed() no longer finds it.
  Status unplace(const std::string& src);
  // Where a media file of the work folder went; nullopt: not placed.
  Result<std::optional<std::string>> placed(const std::string& src);

 private:
  Scratch() = default;
  Status exec(const char* sql);
  Error error(const std::string& what) const;
  sqlite3_stmt* statement(const char* sql);

  std::unique_ptr<SqliteDb> db_;
  uint64_t items_ = 0, planned_ = 0;
  bool placed_index_ = false;
};

}  // namespace tagforge
