// Pairing sidecar files (.txt, .caption, .json) with the media they describe.
#pragma once

#include <string>
#include <vector>

#include "tagforge/item.h"
#include "tagforge/scan.h"

namespace tagforge {

// One regular file of a directory, after probing.
struct ProbedFile {
  std::string name;
  uint64_t size = 0;
  bool sidecar = false;       // has a sidecar extension
  SidecarKind sidecar_kind = SidecarKind::kEmpty;
  MediaFormat format = MediaFormat::kUnknown;
  FileProblem problem = FileProblem::kNone;
};

// Groups the files of one directory into items. `files` must be in natural
// name order. A sidecar pairs with the file named exactly like its stem
// ("a.png.txt" -> "a.png"), else with a file of that stem ("a.txt" -> "a.png");
// when several share the stem, usable media win, then natural order, and a
// note says so. Unpaired sidecars become items of their own (orphan_sidecar).
// `dir_path` is only for notes.
void pair_sidecars(std::vector<ProbedFile>&& files, uint32_t dir, const std::string& dir_path,
                   std::vector<Item>& items, std::vector<ScanNote>& notes);

}  // namespace tagforge
