// The input side of a run: the input tree scanned and entered into the work
// folder (OUT/.tagforge/work, the input's own layout) as hard links or
// copies, so the input is never written; each file's content hash (reused
// from the manifest while its size, time and inode hold); and the frames of
// each GIF and video extracted beside it (a manifest result per clip, so a
// re-run with the same [extract] options keeps them). The input is read one
// folder at a time and the items go to the scratch database, so memory holds
// one folder, not the tree.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/item_stages.h"
#include "pipeline/manifest.h"
#include "pipeline/run_context.h"
#include "pipeline/scratch.h"

namespace tagforge {

struct InputReport {
  size_t items = 0;              // still images and extracted frames, added to the scratch database
  size_t files = 0;              // entered into the work folder (media, sidecars, unknown files)
  size_t clips = 0, frames = 0, unknown = 0, broken = 0, skipped_by_shard = 0;
  size_t dropped = 0;  // files of the work folder whose input is gone (deleted or renamed since the last run)
  std::vector<std::pair<std::string, std::string>> errors;  // path, message
  std::string listing;  // the input's folders (ListingDigest)
};

// How the input is scanned (the probe memo's scope depends on it).
ScanOptions input_scan_options(const RunContext& context);

// `shard`: (index, count) or nullopt for everything. Errors about single files
// are in the report; an error result means the input could not be read at all.
Result<InputReport> prepare_inputs(const RunContext& context, Manifest& manifest, Scratch& scratch,
                                   std::optional<std::pair<uint64_t, uint64_t>> shard);

}  // namespace tagforge
