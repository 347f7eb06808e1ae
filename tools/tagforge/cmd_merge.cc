// `tagforge merge OUT... --out DIR`: sharded runs joined (src/pipeline/merge.h).
// Takes the run's config and flags, for the buckets and the exports.
#include <cstdio>

#include "commands.h"
#include "option_flags.h"
#include "pipeline/merge.h"

namespace tagforge::cli {
namespace {

constexpr const char* kCommand = "tagforge merge";

struct Args {
  std::vector<std::string> shards;
  std::string out, config;
  bool quiet = false;
  RunConfig run;
  std::unique_ptr<OptionFlags> flags;
};

int run(Args& a) {
  if (Status st = a.flags->finish(a.config); !st.ok()) {
    std::fprintf(stderr, "%s: %s\n", kCommand, st.error().to_string().c_str());
    return kExitFatal;
  }
  MergeOptions o;
  for (const std::string& s : a.shards) o.shards.emplace_back(s);
  o.out = a.out;
  o.config = a.run;
  auto summary = merge_runs(o);
  if (!summary) {
    std::fprintf(stderr, "%s: %s\n", kCommand, summary.error().to_string().c_str());
    return kExitFatal;
  }
  const RunSummary& s = *summary;
  if (!a.quiet) {
    print_problems("errors", s.errors, 20);
    std::fprintf(stderr,
                 "%s: %zu shards joined: %zu images and frames (%zu clips), %zu complete, %zu flagged for review, "
                 "%zu without any tag, %zu copies set aside; %.2f s\n  see %s/report.html\n",
                 kCommand, a.shards.size(), s.items, s.clips, s.written, s.flagged, s.untagged, s.duplicates.size(),
                 s.seconds, a.out.c_str());
  }
  return s.errors.empty() ? kExitOk : kExitSomeFailed;
}

}  // namespace

Runner add_merge_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("merge", "Join the outputs of sharded runs (run --shard I/N) into one");
  auto a = std::make_shared<Args>();
  cmd->add_option("OUT", a->shards, "The shards' output folders")->required();
  cmd->add_option("--out", a->out, "The joined output folder")->required();
  cmd->add_option("--config", a->config, "The config the shards ran with (buckets, extensions, exports)");
  cmd->add_flag("-q,--quiet", a->quiet, "Only errors");
  a->flags = std::make_unique<OptionFlags>(*cmd, a->run.table());
  return [a] { return run(*a); };
}

}  // namespace tagforge::cli
