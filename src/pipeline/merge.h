// `tagforge merge OUT... --out DIR`: the outputs of sharded runs (--shard
// I/N) joined into one, as if one run had done it all: the shards' work
// folders linked together, their manifests' rows taken into one, and the
// buckets, metadata files and report made from the whole. No model runs.
#pragma once

#include <filesystem>
#include <vector>

#include "pipeline/run.h"

namespace tagforge {

struct MergeOptions {
  std::vector<std::filesystem::path> shards;  // each a `tagforge run` output folder
  std::filesystem::path out;
  RunConfig config;  // [run] bucket_size, [check] review_tag, [tag]/[caption] extensions, [export]
};

// Errors: a shard that is no run output, the output being one of the shards.
// A file two shards hold with different bytes is an error in the summary.
Result<RunSummary> merge_runs(const MergeOptions& options);

}  // namespace tagforge
