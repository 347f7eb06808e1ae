// A settled run: one whose every result is final (nothing failed transiently,
// nothing fell back) and whose outputs are all written. Its end is recorded
// in the manifest with what it was run from (the run's identity: options,
// data, models, code) and the stamps of the files it wrote at OUT's top. A
// re-run that finds the same identity, an input that the scan recalled whole
// (no file, row, link or frame differs) and those files as they were skips
// the per-item pass and the metadata files: the outputs already are what it
// would write. The buckets are still checked (and put right) by the export,
// which also scans the work folder: if that was touched, the run goes on as
// a full one. The summary is the recorded run's, its results counted as reused.
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

// Records the run as settled: its summary and its files' stamps. Called last.
Status record_settled(Manifest& manifest, const RunContext& context, const std::string& identity,
                      const RunSummary& summary);
// Forgets the record: called before a run changes any output, so a killed one is never settled.
Status forget_settled(Manifest& manifest);

// The summary of a run that found everything settled: `recorded`'s counts, its
// results reused. The input's counts (items, files, …) are this run's own, already in `summary`.
void settled_summary(const nlohmann::ordered_json& recorded, RunSummary& summary);

}  // namespace tagforge
