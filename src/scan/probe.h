// Opening one file and finding out what it is: its format, whether it is
// whole, and for sidecars whether they hold tags or a caption.
#pragma once

#include <sys/stat.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "tagforge/item.h"
#include "tagforge/scan.h"

namespace tagforge {

class ItemProber {
 public:
  // `root_fd` is an open descriptor of `scan.root`; both outlive the prober.
  // `remembered`: the folder's earlier probes (ProbeMemo::recall), or null.
  ItemProber(int root_fd, const ScanResult& scan, const ScanOptions& options,
             const std::unordered_map<std::string, ProbedFile>* remembered = nullptr)
      : root_fd_(root_fd), scan_(scan), opt_(options), remembered_(remembered) {}

  // Fills the probed fields of `item` and of each of its sidecars; problems
  // worth telling the user are appended to `notes`. Safe to call from
  // several threads on different items.
  void probe(Item& item, std::vector<ScanNote>& notes) const;

  // Probes one sidecar file of `dir`; for sidecars that join an item late.
  void probe_sidecar(uint32_t dir, Sidecar& sidecar, std::vector<ScanNote>& notes) const;

 private:
  std::string relative(uint32_t dir, const std::string& name) const;
  // What `remembered_` says of the file at `rel`, if its stamp still holds.
  const ProbedFile* recall(const std::string& rel, const std::string& name, FileStamp& stamp) const;

  int root_fd_;
  const ScanResult& scan_;
  const ScanOptions& opt_;
  const std::unordered_map<std::string, ProbedFile>* remembered_;
};

}  // namespace tagforge
