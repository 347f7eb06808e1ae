#include "sort/plan.h"

#include <dirent.h>

#include <algorithm>
#include <map>
#include <unordered_set>

#include "core/natural_order.h"
#include "scan/media_format.h"
#include "sort/classify.h"

namespace tagforge {
namespace {

// What is already in one bucket folder of the destination.
struct BucketState {
  bool exists = false;
  uint64_t items = 0;                          // media files that stay
  std::unordered_set<std::string> taken;       // every name present or planned
};

// Lists dest/<folder>: its names, and how many are media (not sidecars).
void list_bucket(const std::filesystem::path& dir, BucketState& b) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  b.exists = true;
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n == "." || n == "..") continue;
    b.taken.emplace(n);
  }
  ::closedir(d);
}

std::string with_suffix(std::string_view name, size_t stem_len, std::string_view suffix) {
  std::string out(name.substr(0, stem_len));
  out += suffix;
  out += name.substr(stem_len);
  return out;
}

}  // namespace

uint64_t bucket_number(std::string_view folder, std::string_view prefix) {
  if (folder.size() <= prefix.size() + 1 || folder.substr(0, prefix.size()) != prefix || folder[prefix.size()] != '_') {
    return 0;
  }
  std::string_view digits = folder.substr(prefix.size() + 1);
  if (digits.size() > 9 || digits[0] == '0') return 0;
  uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

Result<SortPlan> plan_sort(const ScanResult& scan, const std::filesystem::path& dest, const SortOptions& opt) {
  if (opt.bucket_size == 0) return Error{ErrorCode::kInvalidInput, "bucket size must be at least 1", {}};
  const bool in_place = dest == scan.root;
  const std::vector<SortClass> classes = classify_items(scan, opt.animations);

  // Items grouped by folder prefix; classes sharing a prefix share buckets.
  std::map<std::string, std::vector<size_t>> by_prefix;
  for (size_t i = 0; i < scan.items.size(); ++i) by_prefix[opt.folder[static_cast<size_t>(classes[i])]].push_back(i);

  SortPlan plan;
  for (auto& prefix_and_members : by_prefix) {
    // Named, not a structured binding: clang 14 cannot capture those.
    const std::string& prefix = prefix_and_members.first;
    std::vector<size_t>& members = prefix_and_members.second;
    std::map<uint64_t, BucketState> buckets;
    auto bucket = [&](uint64_t n) -> BucketState& {
      auto [it, fresh] = buckets.try_emplace(n);
      if (fresh) list_bucket(dest / (prefix + "_" + std::to_string(n)), it->second);
      return it->second;
    };
    // Existing buckets in the destination, including ones this scan did not
    // enter (a destination outside the source).
    if (!in_place) {
      if (DIR* d = ::opendir(dest.c_str())) {
        while (dirent* e = ::readdir(d)) {
          if (uint64_t n = bucket_number(e->d_name, prefix)) {
            BucketState& b = bucket(n);
            for (const auto& name : b.taken) {
              if (!is_sidecar_extension(extension_of(name))) ++b.items;
            }
          }
        }
        ::closedir(d);
      }
    }

    // Settled: already directly inside a bucket of its own prefix.
    std::map<uint64_t, std::vector<size_t>> settled;
    std::vector<size_t> pending;
    for (size_t i : members) {
      const uint64_t n = in_place && !opt.rebalance ? bucket_number(scan.dirs[scan.items[i].dir], prefix) : 0;
      if (n) settled[n].push_back(i);
      else pending.push_back(i);
    }
    auto natural_by_name = [&](size_t a, size_t b) {
      int c = natural_compare(scan.items[a].name, scan.items[b].name);
      if (c != 0) return c < 0;
      return natural_less(scan.dirs[scan.items[a].dir], scan.dirs[scan.items[b].dir]);
    };
    for (auto& [n, list] : settled) {
      std::sort(list.begin(), list.end(), natural_by_name);
      BucketState& b = bucket(n);
      // Over-full (the bucket size shrank): the last ones in natural order move.
      const size_t keep = std::min(list.size(), opt.bucket_size);
      b.items += keep;
      plan.items_in_place += keep;
      pending.insert(pending.end(), list.begin() + static_cast<std::ptrdiff_t>(keep), list.end());
    }
    // A fresh single-folder tree arrives sorted; checking is linear.
    if (!std::is_sorted(pending.begin(), pending.end(), natural_by_name)) {
      std::sort(pending.begin(), pending.end(), natural_by_name);
    }

    uint64_t n = 1, folder_n = 0;
    std::string folder;
    std::map<uint64_t, uint64_t> planned_per_bucket;
    for (size_t i : pending) {
      while (bucket(n).items >= opt.bucket_size) ++n;
      BucketState& b = bucket(n);
      const Item& it = scan.items[i];
      if (folder_n != n) {
        folder = prefix + "_" + std::to_string(n);
        folder_n = n;
      }
      ++b.items;
      ++planned_per_bucket[n];
      if (in_place && scan.dirs[it.dir] == folder) {  // rebalance kept it here
        ++plan.items_in_place;
        continue;
      }
      // A suffix on the stem keeps sidecars paired: a.png + a.txt -> a~2.png + a~2.txt.
      const size_t stem_len = stem_of(it.name).size();
      std::string suffix;
      auto free_with = [&](const std::string& sfx) {
        if (b.taken.count(with_suffix(it.name, stem_len, sfx))) return false;
        for (const Sidecar& s : it.sidecars) {
          if (b.taken.count(with_suffix(s.name, std::min(stem_len, s.name.size()), sfx))) return false;
        }
        return true;
      };
      for (int k = 2; !free_with(suffix); ++k) suffix = "~" + std::to_string(k);
      if (!suffix.empty()) ++plan.renamed;
      auto add = [&](const std::string& name) {
        std::string new_name = with_suffix(name, std::min(stem_len, name.size()), suffix);
        b.taken.insert(new_name);
        plan.moves.push_back(JournalMove{opt.copy ? JournalOp::kCopy : JournalOp::kMove, !suffix.empty(),
                                         scan.relative_path(it, name), folder + "/" + new_name});
      };
      add(it.name);
      for (const Sidecar& s : it.sidecars) add(s.name);
    }
    for (auto& [num, count] : planned_per_bucket) {
      const std::string folder = prefix + "_" + std::to_string(num);
      if (!bucket(num).exists) plan.mkdirs.push_back(folder);
      plan.buckets.push_back({folder, count});
    }
  }
  return plan;
}

}  // namespace tagforge
