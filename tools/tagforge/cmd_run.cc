// `tagforge run IN --out OUT [--config FILE] [--shard I/N]`: the whole
// pipeline (src/pipeline/run.h). Every option of the config file is also a
// flag (src/pipeline/stage_options.cc); without --config, init's defaults.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>

#include "commands.h"
#include "option_flags.h"
#include "pipeline/dataset_dedupe.h"
#include "pipeline/run.h"
#include "pipeline/stage_figures.h"

namespace tagforge::cli {
namespace {

constexpr const char* kCommand = "tagforge run";

struct Args {
  std::string in, out, config, shard, data;
  bool json = false, quiet = false, in_place = false;
  RunConfig run;
  std::unique_ptr<OptionFlags> flags;
};

// "2/8" -> (2, 8); index below count.
std::optional<std::pair<uint64_t, uint64_t>> parse_shard(const std::string& text) {
  unsigned long long i = 0, n = 0;
  char extra = 0;
  if (std::sscanf(text.c_str(), "%llu/%llu%c", &i, &n, &extra) != 2 || n == 0 || i >= n) return std::nullopt;
  return std::pair<uint64_t, uint64_t>{i, n};
}

nlohmann::ordered_json summary_json(const RunSummary& s) {
  const nlohmann::ordered_json stages = stage_figures_json(s);
  nlohmann::ordered_json phases = nlohmann::ordered_json::object();
  for (const auto& [name, secs] : s.phase_seconds) phases[name] = secs;
  nlohmann::ordered_json errors = nlohmann::ordered_json::array();
  for (const auto& [path, message] : s.errors) errors.push_back({{"path", path}, {"error", message}});
  nlohmann::ordered_json models = nlohmann::ordered_json::array();
  for (const StageModel& m : s.models) {
    nlohmann::ordered_json j{{"stage", m.stage}, {"model", m.model}, {"default", m.by_default},
                             {"ran", m.location.has_value()}};
    if (m.location) j["dir"] = m.location->dir.string();
    if (!m.device.empty()) j["device"] = m.device;
    else j["why_not"] = m.why_not;
    models.push_back(std::move(j));
  }
  nlohmann::ordered_json duplicates = nlohmann::ordered_json::array();
  for (const DuplicateGroup& g : duplicate_groups(s.duplicates)) {
    nlohmann::ordered_json members = nlohmann::ordered_json::array();
    for (const DuplicateRow& d : g.members) {
      members.push_back({{"path", d.path},
                         {"exact", d.exact},
                         {"dct_distance", d.dct},
                         {"centre_distance", d.centre},
                         {"mirrored", d.mirrored}});
    }
    duplicates.push_back({{"keep", g.keeper}, {"set_aside", members}});
  }
  return {{"items", s.items},     {"clips", s.clips},   {"frames", s.frames},
          {"files", s.files},     {"unknown", s.unknown}, {"broken", s.broken},
          {"skipped_by_shard", s.skipped_by_shard},       {"dropped", s.dropped},
          {"complete", s.written}, {"fell_back", s.fell_back},
          {"flagged", s.flagged}, {"untagged", s.untagged}, {"low_quality", s.low_quality}, {"stages", stages},
          {"duplicates", duplicates},
          {"models", models},     {"model_errors", s.model_errors},
          {"errors", errors},     {"phases", phases},     {"seconds", s.seconds}, {"settled", s.settled}};
}

int run(Args& a) {
  if (Status st = a.flags->finish(a.config); !st.ok()) {
    std::fprintf(stderr, "%s: %s\n", kCommand, st.error().to_string().c_str());
    return kExitFatal;
  }
  if (a.in_place == !a.out.empty()) {
    std::fprintf(stderr, "%s: give --out DIR, or --in-place to write into the input itself\n", kCommand);
    return kExitFatal;
  }
  RunOptions o;
  o.in = a.in;
  o.out = a.out;
  o.in_place = a.in_place;
  o.config = a.run;
  o.data_dir = a.data;
  if (!a.shard.empty()) {
    o.shard = parse_shard(a.shard);
    if (!o.shard) {
      std::fprintf(stderr, "%s: --shard wants I/N with 0 <= I < N, not \"%s\"\n", kCommand, a.shard.c_str());
      return kExitFatal;
    }
  }
  auto progress = make_stage_progress(a.quiet || a.json);
  o.progress = progress.get();
  auto summary = run_pipeline(o);
  if (!summary) {
    std::fprintf(stderr, "%s: %s\n", kCommand, summary.error().to_string().c_str());
    return kExitFatal;
  }
  const RunSummary& s = *summary;
  for (const std::string& e : s.model_errors) std::fprintf(stderr, "%s: %s\n", kCommand, e.c_str());
  if (a.json) {
    std::puts(summary_json(s).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
  } else if (!a.quiet) {
    print_problems("errors", s.errors, 20);
    std::string stages;
    for (const auto& [name, c] : s.stages) {
      stages += fmt::format("\n  {:<8} {:>7} computed {:>7} from the manifest {:>5} failed", name, c.computed, c.reused,
                            c.failed);
      if (c.fell_back) stages += fmt::format(" ({} fell back, will retry)", c.fell_back);
      if (c.timed_images > 0) {
        stages += fmt::format("  {:.2f} images/s a call stream, on {}", c.images_per_busy_second(),
                              stage_device(s, name));
      }
    }
    const std::string fell_back =
        s.fell_back ? fmt::format(", {} fell back after a transient fault (the next run retries them; "
                                  "--accept-fallbacks keeps them)", s.fell_back)
                    : "";
    if (!s.duplicates.empty()) {
      stages += fmt::format("\n  dedupe: {} copies of {} images {} (the best of each kept)", s.duplicates.size(),
                            duplicate_groups(s.duplicates).size(),
                            a.in_place ? "left out of the metadata files" : "set aside into duplicates_N");
    }
    stages += "\n  models:";
    if (s.models.empty()) stages += " none";
    for (const StageModel& m : s.models) {
      if (m.failed) continue;  // its error is printed above
      stages += fmt::format("\n  {:<8} {}{}{}", m.stage, m.model,
                            m.location ? (m.by_default ? " (the default)" : "") : ", skipped: " + m.why_not,
                            m.device.empty() ? "" : ", on " + m.device);
    }
    const std::string& action = a.run.quality.action;
    const std::string low_quality_where = action == "move" ? " (low_quality)" : action == "flag" ? " (flagged)" : "";
    std::fprintf(stderr,
                 "%s: %zu images and frames (%zu clips gave %zu frames), %zu complete%s, %zu flagged for review, "
                 "%zu without any tag (missing_tags), %zu below the quality gate%s, %zu unknown and %zu broken files "
                 "filed as they are; "
                 "%.2f s%s%s\n  see %s/report.html\n",
                 kCommand, s.items, s.clips, s.frames, s.written, fell_back.c_str(), s.flagged, s.untagged, s.low_quality,
                 low_quality_where.c_str(), s.unknown,
                 s.broken, s.seconds,
                 s.settled ? " (nothing changed since the last run: its outputs were checked, nothing recomputed)" : "",
                 stages.c_str(), (a.in_place ? a.in : a.out).c_str());
  }
  return s.errors.empty() && s.model_errors.empty() ? kExitOk : kExitSomeFailed;
}

}  // namespace

Runner add_run_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "The whole pipeline: scan, frames, tag, detect, segment, check, caption, "
                                        "score, buckets, exports and a report; resumable");
  auto a = std::make_shared<Args>();
  cmd->add_option("IN", a->in, "The input folder (never written)")->required();
  cmd->add_option("--out", a->out, "The output folder (buckets, sidecars, manifest, report)");
  cmd->add_flag("--in-place", a->in_place,
                "Write into IN instead: sidecars and frames beside its files, no buckets (tagforge sort IN "
                "files them, undoably)");
  cmd->add_option("--config", a->config, "A config file (tagforge init writes one); flags given beat it");
  cmd->add_option("--shard", a->shard, "Process only shard I of N (by content hash), e.g. 0/8, for batch jobs");
  cmd->add_option("--data", a->data, "Data folder with danbooru_tags.csv, tag_rules.toml, lexicon.txt");
  cmd->add_flag("--json", a->json, "Print the summary as JSON");
  cmd->add_flag("-q,--quiet", a->quiet, "Only errors");
  a->flags = std::make_unique<OptionFlags>(*cmd, a->run.table());
  return [a] { return run(*a); };
}

}  // namespace tagforge::cli
