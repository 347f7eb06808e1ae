// A settled run: one whose every result is final (nothing failed transiently,
// nothing fell back) and whose outputs are all written. Its end is recorded
// in the manifest with what it was run from (the run's identity: options,
// data, models, code), the stamps of the files it wrote at OUT's top, its
// counts, and the digests of the folders it found in IN and the work folder.
//
// A re-run with the same identity first looks for changes, at the cost of a
// stat walk (look_for_changes): IN and the work folder as the probe memo
// remembers them, and every file placed in OUT's buckets against the stamp it
// was placed with. When nothing differs, nothing is computed or written; when
// only a placed file differs, the export puts the buckets right; else the run
// goes on as a full one. The summary is the recorded run's, its results counted
// as reused.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "pipeline/manifest.h"
#include "pipeline/run.h"
#include "pipeline/run_context.h"

namespace tagforge {

// Everything a run's results and outputs depend on besides the input's files.
std::string run_identity(const RunContext& context, const RunOptions& options);

// The recorded settled run when it matches `identity` and its files at OUT's top are as it
// left them; else nothing.
Result<std::optional<nlohmann::ordered_json>> recall_settled(Manifest& manifest, const RunContext& context,
                                                              const std::string& identity);

// Records the run as settled: its summary, its files' stamps and the listings of IN and the
// work folder (ListingDigest: InputReport::listing, ExportReport::work_listing). Called last.
Status record_settled(Manifest& manifest, const RunContext& context, const std::string& identity,
                      const RunSummary& summary, const std::string& input_listing, const std::string& work_listing);
// Forgets the record: called before a run changes any output, so a killed one is never settled.
Status forget_settled(Manifest& manifest);

// What look_for_changes found since the settled run.
enum class SinceSettled {
  kNothing,  // the outputs are what a full run would write
  kBuckets,  // IN and the work folder are as they were; a file placed in OUT is not
  kInputs,   // IN or the work folder differs (or the memo could not be read): a full run
};

// A stat walk that stops at the first difference: IN, then the work folder (each folder as
// the probe memo remembers it, and the same folders as `recorded` lists), then every file
// placed in OUT's buckets against the stamp it was placed with. Each tree's folders are
// first listed without a stat, their counts of files against the memo's: a file added or
// removed anywhere ends the look before any stat. Nothing is written.
Result<SinceSettled> look_for_changes(const RunContext& context, Manifest& manifest,
                                      const nlohmann::ordered_json& recorded);

// The summary of a run that found everything settled: `recorded`'s counts, its results reused.
void settled_summary(const nlohmann::ordered_json& recorded, RunSummary& summary);

}  // namespace tagforge
