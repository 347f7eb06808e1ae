// Scanning in steps, for callers that probe files in an order of their own
// (the sorter probes while it moves). scan_tree() is these steps in a row:
// list_tree, probe_items over every item, attach_shared_sidecars.
#pragma once

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <span>
#include <vector>

#include "core/fs_ops.h"
#include "scan/sidecar.h"
#include "tagforge/scan.h"

namespace tagforge {

struct Listing {
  ScanResult scan;                    // items named and grouped; nothing opened yet
  std::vector<SharedSidecar> shared;  // to attach once their candidates are probed
  UniqueFd root_fd;                   // open on scan.root
};

// Walks the tree and groups files into items by name.
Result<Listing> list_tree(const std::filesystem::path& root, const ScanOptions& options);

// A note with the position (in some order of items) it was found at.
using PositionedNote = std::pair<size_t, ScanNote>;

// Notes that several threads kept apart, each list its own, moved into
// one list by position; notes at one position keep their order.
template <typename PerThreadLists>
std::vector<ScanNote> notes_in_order(PerThreadLists& per_thread) {
  std::vector<PositionedNote> all;
  for (auto& v : per_thread) std::move(v.begin(), v.end(), std::back_inserter(all));
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<ScanNote> out;
  out.reserve(all.size());
  for (auto& [k, n] : all) out.push_back(std::move(n));
  return out;
}

// Probes scan.items[i] for each i in `which`, on every core. Notes come back
// in the order of `which`. `remembered`: see ItemProber.
std::vector<ScanNote> probe_items(Listing& listing, std::span<const size_t> which, const ScanOptions& options,
                                  const std::unordered_map<std::string, ProbedFile>* remembered = nullptr);

}  // namespace tagforge
