#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/path_text.h"
#include "tagforge/sort.h"

namespace tagforge {
namespace {

using Json = nlohmann::ordered_json;

Json notes_json(const std::vector<ScanNote>& notes) {
  Json a = Json::array();
  for (const auto& n : notes) a.push_back({{"path", printable_path(n.path)}, {"problem", n.message}});
  return a;
}

}  // namespace

std::string format_sort_summary(const SortReport& r) {
  std::string out;
  if (r.resumed) out += fmt::format("finished an interrupted sort first ({} files)\n", r.resumed_moves);
  const bool dry = !r.plan.empty();
  const uint64_t done = r.moved + r.linked + r.copied;
  const double rate = r.seconds > 0 ? static_cast<double>(done) / r.seconds : 0;
  if (dry) {
    out += fmt::format("dry run: {} files would move ({} items already in place)\n", r.planned_files, r.items_in_place);
  } else if (r.planned_files == 0) {
    out += fmt::format("nothing to do: {} items already in place\n", r.items_in_place);
  } else {
    out += fmt::format("{} files {} in {:.2f} s ({:.0f} files/s); {} items already in place\n", done,
                       r.linked + r.copied ? "linked/copied" : "moved", r.seconds, rate, r.items_in_place);
  }
  if (r.renamed) out += fmt::format("  {} items renamed with a ~N suffix to avoid a name collision\n", r.renamed);
  if (r.removed_dirs) out += fmt::format("  {} emptied folders removed (undo brings them back)\n", r.removed_dirs);
  // One line per folder prefix: "images  +543 into images_1 … images_109".
  for (size_t i = 0; i < r.buckets.size();) {
    const std::string prefix = r.buckets[i].folder.substr(0, r.buckets[i].folder.rfind('_'));
    size_t j = i;
    uint64_t items = 0;
    while (j < r.buckets.size() && r.buckets[j].folder.substr(0, r.buckets[j].folder.rfind('_')) == prefix) {
      items += r.buckets[j].items;
      ++j;
    }
    const std::string span = j - i == 1 ? r.buckets[i].folder : r.buckets[i].folder + " … " + r.buckets[j - 1].folder;
    out += fmt::format("  {:<18}{:>8} items  {}\n", prefix, items, span);
    i = j;
  }
  if (!r.failures.empty()) out += fmt::format("  {} files failed and were left where they were\n", r.failures.size());
  if (!r.journal.empty()) {
    out += "journal: " + printable_path(r.journal.native()) + "\n";
    out += "undo with: tagforge undo " + printable_path(r.source.native()) + "\n";
  }
  return out;
}

std::string sort_to_json(const SortReport& r) {
  Json j;
  j["source"] = printable_path(r.source.native());
  j["dest"] = printable_path(r.dest.native());
  j["journal"] = r.journal.empty() ? Json(nullptr) : Json(printable_path(r.journal.native()));
  j["dry_run"] = !r.plan.empty();
  j["resumed"] = r.resumed;
  j["items"] = r.items;
  j["items_in_place"] = r.items_in_place;
  j["planned_files"] = r.planned_files;
  j["moved"] = r.moved;
  j["linked"] = r.linked;
  j["copied"] = r.copied;
  j["renamed"] = r.renamed;
  j["removed_dirs"] = r.removed_dirs;
  j["seconds"] = r.seconds;
  Json b = Json::object();
  for (const auto& x : r.buckets) b[x.folder] = x.items;
  j["buckets"] = b;
  if (!r.plan.empty()) j["plan"] = r.plan;
  j["failures"] = notes_json(r.failures);
  j["problems"] = notes_json(r.notes);
  return j.dump(2) + "\n";
}

std::string format_undo_summary(const UndoReport& r) {
  std::string out = fmt::format("undid {}\n", printable_path(r.journal.native()));
  out += fmt::format("  {} files moved back, {} copies removed, {} already in place, {} folders recreated ({:.2f} s)\n",
                     r.restored, r.removed_copies, r.already, r.recreated_dirs, r.seconds);
  if (!r.failures.empty()) out += fmt::format("  {} files could not be restored; run undo again once fixed\n", r.failures.size());
  return out;
}

std::string undo_to_json(const UndoReport& r) {
  Json j;
  j["journal"] = printable_path(r.journal.native());
  j["restored"] = r.restored;
  j["removed_copies"] = r.removed_copies;
  j["already"] = r.already;
  j["recreated_dirs"] = r.recreated_dirs;
  j["seconds"] = r.seconds;
  j["failures"] = notes_json(r.failures);
  return j.dump(2) + "\n";
}

}  // namespace tagforge
