// Opening one file and finding out what it is: its format, whether it is
// whole, and for sidecars whether they hold tags or a caption.
#pragma once

#include <string>
#include <vector>

#include "tagforge/item.h"
#include "tagforge/scan.h"

namespace tagforge {

class ItemProber {
 public:
  // `root_fd` is an open descriptor of `scan.root`; both outlive the prober.
  ItemProber(int root_fd, const ScanResult& scan, const ScanOptions& options)
      : root_fd_(root_fd), scan_(scan), opt_(options) {}

  // Fills the probed fields of `item` and of each of its sidecars; problems
  // worth telling the user are appended to `notes`. Safe to call from
  // several threads on different items.
  void probe(Item& item, std::vector<ScanNote>& notes) const;

  // Probes one sidecar file of `dir`; for sidecars that join an item late.
  void probe_sidecar(uint32_t dir, Sidecar& sidecar, std::vector<ScanNote>& notes) const;

 private:
  std::string relative(uint32_t dir, const std::string& name) const;

  int root_fd_;
  const ScanResult& scan_;
  const ScanOptions& opt_;
};

}  // namespace tagforge
