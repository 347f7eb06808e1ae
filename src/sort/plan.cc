#include "sort/plan.h"

#include <dirent.h>

#include <algorithm>
#include <numeric>

#include <tbb/parallel_sort.h>

#include "core/natural_order.h"
#include "scan/media_format.h"
#include "sort/classify.h"

namespace tagforge {
namespace {

// Calls fn(name) for each entry of `dir`; false when it cannot be opened.
template <typename Fn>
bool list_dir(const std::filesystem::path& dir, Fn&& fn) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return false;
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") fn(n);
  }
  ::closedir(d);
  return true;
}

}  // namespace

std::string with_suffix(std::string_view name, size_t stem_len, std::string_view suffix) {
  stem_len = std::min(stem_len, name.size());
  std::string out(name.substr(0, stem_len));
  out += suffix;
  out += name.substr(stem_len);
  return out;
}

std::string bucket_folder(const std::string& prefix, uint64_t n) {
  std::string out = prefix;  // appended, not `prefix + "_"`: GCC 12 warns falsely (-Wrestrict) on that
  out += '_';
  out += std::to_string(n);
  return out;
}

std::optional<std::string> placed_suffix(std::string_view placed, std::string_view name) {
  const size_t stem_len = stem_of(name).size();
  const std::string_view stem = name.substr(0, stem_len), rest = name.substr(stem_len);
  if (placed.size() < name.size() || placed.substr(0, stem_len) != stem ||
      placed.substr(placed.size() - rest.size()) != rest) {
    return std::nullopt;
  }
  const std::string_view suffix = placed.substr(stem_len, placed.size() - name.size());
  if (suffix.empty()) return std::string();
  // "~2", "~3"...: what place() gives.
  if (suffix.size() < 2 || suffix[0] != '~' || suffix[1] == '0' || suffix.size() > 10) return std::nullopt;
  for (char c : suffix.substr(1)) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  if (suffix == "~1") return std::nullopt;
  return std::string(suffix);
}

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

std::vector<uint32_t> natural_item_order(const ScanResult& scan) {
  std::vector<uint32_t> order(scan.items.size());
  std::iota(order.begin(), order.end(), 0u);
  auto less = [&](uint32_t a, uint32_t b) {
    const Item& x = scan.items[a];
    const Item& y = scan.items[b];
    if (int c = natural_compare(x.name, y.name); c != 0) return c < 0;
    return natural_less(scan.dirs[x.dir], scan.dirs[y.dir]);
  };
  // One folder arrives sorted already; checking is linear.
  if (!std::is_sorted(order.begin(), order.end(), less)) tbb::parallel_sort(order.begin(), order.end(), less);
  return order;
}

std::vector<size_t> settle_candidates(const ScanResult& scan, const SortOptions& opt, bool in_place) {
  std::vector<size_t> out;
  if (!in_place || opt.rebalance) return out;
  std::vector<bool> bucket_dir(scan.dirs.size());
  for (size_t d = 0; d < scan.dirs.size(); ++d) {
    for (const std::string& prefix : opt.folder) {
      if (bucket_number(scan.dirs[d], prefix)) bucket_dir[d] = true;
    }
  }
  for (size_t i = 0; i < scan.items.size(); ++i) {
    if (bucket_dir[scan.items[i].dir]) out.push_back(i);
  }
  return out;
}

SortPlanner::SortPlanner(const ScanResult& scan, std::filesystem::path dest, const SortOptions& opt)
    : scan_(scan), dest_(std::move(dest)), opt_(opt), in_place_(dest_ == scan.root), stays_(scan.items.size()) {}

SortPlanner::Prefix& SortPlanner::prefix(const std::string& name) {
  auto [it, fresh] = prefixes_.try_emplace(name);
  Prefix& p = it->second;
  // Buckets already in another destination count; in place, the scan saw
  // their files and settle() counts the ones that stay; an earlier plan's, keep() does.
  if (fresh && !in_place_ && !names_in_) {
    list_dir(dest_, [&](std::string_view entry) {
      if (uint64_t n = bucket_number(entry, name)) {
        Bucket& b = bucket(name, p, n);
        for (const auto& file : b.taken) {
          if (!is_sidecar_extension(extension_of(file))) ++b.items;
        }
      }
    });
  }
  return p;
}

SortPlanner::Bucket& SortPlanner::bucket(const std::string& prefix_name, Prefix& p, uint64_t n) {
  Bucket& b = p.buckets[n];
  if (!b.listed) {
    b.listed = true;
    if (names_in_) {
      names_in_(bucket_folder(prefix_name, n), b.taken);
    } else {
      b.exists = list_dir(dest_ / bucket_folder(prefix_name, n), [&](std::string_view file) { b.taken.emplace(file); });
    }
  }
  return b;
}

bool SortPlanner::keep(const Item& it, const std::string& dir, SortClass c, uint64_t n, const std::string& suffix,
                       std::vector<JournalMove>& moves) {
  const std::string& name = opt_.folder[static_cast<size_t>(c)];
  // Not bucket(): its names are asked for once every item kept is planned.
  Bucket& b = prefix(name).buckets[n];
  if (b.items >= opt_.bucket_size) return false;
  ++b.items;
  ++b.planned;
  b.exists = true;
  const std::string folder = bucket_folder(name, n);
  const size_t stem_len = stem_of(it.name).size();
  auto add = [&](const std::string& file) {
    moves.push_back(JournalMove{opt_.copy ? JournalOp::kCopy : JournalOp::kMove, !suffix.empty(),
                                dir.empty() ? file : dir + "/" + file, folder + "/" + with_suffix(file, stem_len, suffix)});
  };
  add(it.name);
  for (const Sidecar& s : it.sidecars) add(s.name);
  return true;
}

void SortPlanner::settle(std::span<const size_t> candidates, std::span<const SortClass> classes) {
  // Per prefix and bucket, the items already there, in natural order.
  std::map<std::string, std::map<uint64_t, std::vector<size_t>>> settled;
  for (size_t k = 0; k < candidates.size(); ++k) {
    const size_t i = candidates[k];
    const std::string& name = opt_.folder[static_cast<size_t>(classes[k])];
    if (uint64_t n = bucket_number(scan_.dirs[scan_.items[i].dir], name)) settled[name][n].push_back(i);
  }
  auto natural_by_name = [&](size_t a, size_t b) { return natural_less(scan_.items[a].name, scan_.items[b].name); };
  for (auto& [name, per_bucket] : settled) {
    Prefix& p = prefix(name);
    for (auto& [n, list] : per_bucket) {
      if (!std::is_sorted(list.begin(), list.end(), natural_by_name)) std::sort(list.begin(), list.end(), natural_by_name);
      // Over-full (the bucket size shrank): the last ones in natural order move.
      const size_t keep = std::min(list.size(), opt_.bucket_size);
      Bucket& b = bucket(name, p, n);
      b.items += keep;
      b.planned += keep;
      items_in_place_ += keep;
      for (size_t k = 0; k < keep; ++k) stays_[list[k]] = true;
    }
  }
}

void SortPlanner::place(size_t i, SortClass c, std::vector<std::string>& mkdirs, std::vector<JournalMove>& moves) {
  const Item& it = scan_.items[i];
  place(it, scan_.dirs[it.dir], c, mkdirs, moves);
}

void SortPlanner::place(const Item& it, const std::string& dir, SortClass c, std::vector<std::string>& mkdirs,
                        std::vector<JournalMove>& moves) {
  const std::string& name = opt_.folder[static_cast<size_t>(c)];
  Prefix& p = prefix(name);
  // A full bucket's names are never looked at (those of a destination's were listed by prefix()).
  while (p.buckets[p.cursor].items >= opt_.bucket_size) {
    // Full: nothing is placed behind the cursor again, so its names need not be kept.
    std::unordered_set<std::string>().swap(p.buckets[p.cursor].taken);
    ++p.cursor;
  }
  Bucket& b = bucket(name, p, p.cursor);
  const std::string folder = bucket_folder(name, p.cursor);
  ++b.items;
  ++b.planned;
  if (in_place_ && dir == folder) {  // a rebalance kept it here
    ++items_in_place_;
    return;
  }
  if (!b.exists) {
    mkdirs.push_back(folder);
    b.exists = true;
  }
  // A suffix on the stem keeps sidecars paired: a.png + a.txt -> a~2.png + a~2.txt.
  const size_t stem_len = stem_of(it.name).size();
  std::string suffix;
  auto free_with = [&](const std::string& sfx) {
    if (b.taken.count(with_suffix(it.name, stem_len, sfx))) return false;
    for (const Sidecar& s : it.sidecars) {
      if (b.taken.count(with_suffix(s.name, stem_len, sfx))) return false;
    }
    return true;
  };
  for (int k = 2; !free_with(suffix); ++k) {
    suffix = '~';
    suffix += std::to_string(k);
  }
  if (!suffix.empty()) ++renamed_;
  auto add = [&](const std::string& file) {
    std::string new_name = with_suffix(file, stem_len, suffix);
    moves.push_back(JournalMove{opt_.copy ? JournalOp::kCopy : JournalOp::kMove, !suffix.empty(),
                                dir.empty() ? file : dir + "/" + file, folder + "/" + new_name});
    b.taken.insert(std::move(new_name));
  };
  add(it.name);
  for (const Sidecar& s : it.sidecars) add(s.name);
}

std::vector<BucketCount> SortPlanner::buckets() const {
  std::vector<BucketCount> out;
  for (const auto& [name, p] : prefixes_) {
    for (const auto& [n, b] : p.buckets) {
      if (b.planned) out.push_back({bucket_folder(name, n), b.planned});
    }
  }
  return out;
}

Result<SortPlan> plan_sort(const ScanResult& scan, const std::filesystem::path& dest, const SortOptions& opt) {
  if (opt.bucket_size == 0) return Error{ErrorCode::kInvalidInput, "bucket size must be at least 1", {}};
  const std::vector<SortClass> classes = classify_items(scan, opt.animations, opt.folder);
  SortPlanner planner(scan, dest, opt);
  const std::vector<size_t> candidates = settle_candidates(scan, opt, dest == scan.root);
  std::vector<SortClass> candidate_classes;
  for (size_t i : candidates) candidate_classes.push_back(classes[i]);
  planner.settle(candidates, candidate_classes);
  SortPlan plan;
  for (uint32_t i : natural_item_order(scan)) {
    if (!planner.stays(i)) planner.place(i, classes[i], plan.mkdirs, plan.moves);
  }
  plan.items_in_place = planner.items_in_place();
  plan.renamed = planner.renamed();
  plan.buckets = planner.buckets();
  return plan;
}

}  // namespace tagforge
