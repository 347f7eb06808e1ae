// Pairing sidecar files (.txt, .caption, .json, .aseg) with the media they describe.
#pragma once

#include <string>
#include <vector>

#include "tagforge/item.h"
#include "tagforge/scan.h"

namespace tagforge {

class ItemProber;

// A sidecar whose stem names several media files ("a.txt" beside "a.png" and
// "a.jpg"). It belongs to the first usable one, which only probing can tell.
struct SharedSidecar {
  uint32_t dir = 0;
  std::string name;
  std::vector<size_t> candidates;  // item indices, natural order
};

// Groups the regular files of one directory into items by name alone,
// before anything is opened. `names` must be in natural order. A sidecar
// pairs with the file named exactly like its stem ("a.png.txt" -> "a.png"),
// else with the one file of that stem ("a.txt" -> "a.png"); with several,
// it goes to `shared`. Unpaired sidecars become items of their own
// (orphan_sidecar). Items are appended to `items` in natural order.
void group_by_name(std::vector<std::string>&& names, uint32_t dir, std::vector<Item>& items,
                   std::vector<SharedSidecar>& shared);

// REQUIRES: every candidate is probed. Gives each shared sidecar to its
// first usable candidate (else its first), probes it, and notes the choice.
void attach_shared_sidecars(std::vector<SharedSidecar>&& shared, std::vector<Item>& items, const ScanResult& scan,
                            const ItemProber& prober, std::vector<ScanNote>& notes);

}  // namespace tagforge
