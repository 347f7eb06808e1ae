// The tag database: every known booru tag with its category, post count and
// aliases. Loaded from CSV files in the data folder (Danbooru's by default;
// users add their own). Read-only once loaded; share one between threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tagforge/error.h"

namespace tagforge {

using TagId = uint32_t;
inline constexpr TagId kUnknownTag = UINT32_MAX;

// Danbooru's numbers, so that CSVs from other tools read as they are.
enum class TagCategory : uint8_t {
  kGeneral = 0,
  kArtist = 1,
  kCopyright = 3,  // the series
  kCharacter = 4,
  kMeta = 5,
  kRating = 9,     // general / sensitive / questionable / explicit
  kUnknown = 255,  // not in the database (a trigger word, a typo, a new tag)
};

const char* category_name(TagCategory c);

class TagDb {
 public:
  TagDb();
  ~TagDb();
  TagDb(TagDb&&) noexcept;
  TagDb& operator=(TagDb&&) noexcept;

  // Reads `name,category,post_count,"alias1,alias2"` lines (the last two
  // fields optional). A later file adds tags and may change a known tag's
  // category, count and aliases. Bad lines are skipped and counted; an
  // unreadable file is an error. The four rating tags are always present.
  static Result<TagDb> load(const std::vector<std::filesystem::path>& csv_files);
  // The same from text in memory (tests, fuzzing). `origin` names it in errors.
  static TagDb from_csv_text(std::string text, std::string_view origin = "csv");

  // The tag `name` or an alias of it resolves to, or kUnknownTag. `name` is
  // canonical: lower case, underscores (see normalize_tag_text).
  TagId find(std::string_view name) const;
  // Like find, and says whether `name` was an alias; `canonical`, when
  // given, receives the tag's name as the database holds it (valid as long
  // as the database lives).
  TagId resolve(std::string_view name, bool* was_alias, std::string_view* canonical = nullptr) const;

  std::string_view name(TagId id) const { return names_[id]; }  // inline: the formatter's inner loop
  TagCategory category(TagId id) const;
  uint64_t post_count(TagId id) const;
  size_t size() const;

  size_t aliases() const;
  size_t skipped_lines() const;  // malformed lines ignored while loading

 private:
  void finish_loading();  // after the last CSV: ratings, the hot table, names_

  struct Impl;
  std::unique_ptr<Impl> impl_;
  const std::string_view* names_ = nullptr;  // impl_'s names, fixed once loaded
};

// The data folder: --data, else $TAGFORGE_DATA_DIR, else share/tagforge
// beside the installed binary, else the source tree's data/ (a build tree).
std::filesystem::path find_data_dir(const std::filesystem::path& override_dir = {});

}  // namespace tagforge
