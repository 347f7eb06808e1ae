// `tagforge extract PATH... --out DIR`: frames out of GIFs and videos, with
// the knobs of media/frame_selection.h and, through the detectors and the
// segmenter, require_segments and crop_position; a report per source. The
// options are defined in src/pipeline/stage_options.cc ([extract], [models]).
#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "commands.h"
#include "core/atomic_file.h"
#include "media/extract.h"
#include "model_command.h"
#include "pipeline/run_context.h"
#include "option_flags.h"
#include "pipeline/stage_options.h"
#include "tagforge/path_text.h"
#include "tagforge/scan.h"

namespace tagforge::cli {
namespace {

namespace fs = std::filesystem;
constexpr const char* kCommand = "tagforge extract";

struct Args {
  std::vector<std::string> paths;
  std::string out, config;
  ExtractConfig extract;
  ModelsConfig models;
  std::unique_ptr<OptionFlags> flags;
  bool json = false, quiet = false;
};

// The inspector require_segments and crop_position ask for, over the
// configured models; null when neither is asked for. Prints why on failure.
std::optional<FrameInspector> make_inspector(const Args& a) {
  RuntimeOptions runtime;
  runtime.intra_op_threads = a.models.threads;
  if (Status st = set_device(a.models.device, runtime); !st.ok()) {
    std::fprintf(stderr, "%s: [models] %s\n", kCommand, st.error().message.c_str());
    return std::nullopt;
  }
  std::vector<std::shared_ptr<Detector>> detectors;
  std::shared_ptr<Segmenter> segmenter;
  const bool wanted = !a.extract.inspect.require_segments.empty() || !a.extract.inspect.crop_position.empty();
  if (wanted) {
    // As `run` chooses them: the config's, else the catalogue's installed defaults; "none" is off.
    for (const StageModel& m : choose_stage_models(a.models, model_registry())) {
      if (m.failed) {
        std::fprintf(stderr, "%s: %s\n", kCommand, m.why_not.c_str());
        return std::nullopt;
      }
      if (!m.location) continue;
      if (m.stage == kStageDetect) {
        auto d = open_located_model<Detector>(*m.location, runtime, kCommand);
        if (!d) return std::nullopt;
        detectors.push_back(std::move(d));
      } else if (m.stage == kStageSegment) {
        segmenter = open_located_model<Segmenter>(*m.location, runtime, kCommand);
        if (!segmenter) return std::nullopt;
      }
    }
  }
  auto inspector = make_frame_inspector(a.extract.inspect, std::move(detectors), std::move(segmenter));
  if (!inspector) {
    std::fprintf(stderr, "%s: %s (models: --detectors, --segmenter, or [models] in the config)\n", kCommand,
                 inspector.error().to_string().c_str());
    return std::nullopt;
  }
  return std::move(*inspector);
}

struct Source {
  fs::path file, sidecar;
};

// Animations and videos named or found in folders, with their tag sidecars.
std::vector<Source> collect_sources(const std::vector<std::string>& args, size_t& failed) {
  std::vector<Source> out;
  for (const std::string& arg : args) {
    std::error_code ec;
    if (!fs::is_directory(arg, ec)) {
      Source s{arg, {}};
      fs::path txt = s.file;
      txt.replace_extension(".txt");
      if (fs::is_regular_file(txt, ec)) s.sidecar = txt;
      out.push_back(std::move(s));
      continue;
    }
    auto scan = scan_tree(arg, ScanOptions{});
    if (!scan) {
      std::fprintf(stderr, "%s: %s\n", kCommand, scan.error().to_string().c_str());
      ++failed;
      continue;
    }
    for (const Item& item : scan->items) {
      if (!item.usable() || (item.kind() != MediaKind::kAnimation && item.kind() != MediaKind::kVideo)) continue;
      Source s{scan->root / scan->relative_path(item), {}};
      for (const Sidecar& sc : item.sidecars) {
        if (sc.kind == SidecarKind::kTags) s.sidecar = scan->root / scan->relative_path(item, sc.name);
      }
      out.push_back(std::move(s));
    }
  }
  return out;
}

int run(Args& a) {
  if (Status st = a.flags->finish(a.config); !st.ok()) {
    std::fprintf(stderr, "%s: %s\n", kCommand, st.error().to_string().c_str());
    return kExitFatal;
  }
  a.extract.resolve();
  auto inspector = make_inspector(a);
  if (!inspector) return kExitFatal;
  ExtractOptions options = a.extract.frames;
  options.inspector = std::move(*inspector);
  size_t failed = 0, frames = 0, sources_done = 0;
  const std::vector<Source> sources = collect_sources(a.paths, failed);
  const fs::path reports = fs::path(a.out) / ".tagforge" / "extract";
  const auto start = std::chrono::steady_clock::now();
  for (const Source& s : sources) {
    auto report = extract_frames(s.file, a.out, options, s.sidecar);
    if (!report) {
      std::fprintf(stderr, "%s: %s\n", kCommand, report.error().to_string().c_str());
      ++failed;
      continue;
    }
    ++sources_done;
    frames += report->written.size();
    const std::string json = extract_report_json(*report);
    std::error_code ec;
    fs::create_directories(reports, ec);
    if (Status st = write_file_atomic(reports / (s.file.filename().string() + ".json"), json + "\n", Overwrite::kReplace);
        !st.ok()) {
      std::fprintf(stderr, "%s: %s\n", kCommand, st.error().to_string().c_str());
      ++failed;
    }
    if (a.json) std::puts(json.c_str());
    if (!a.quiet && !a.json) {
      size_t pruned = 0;
      for (const Slice& sl : report->slices) pruned += sl.pruned.size();
      std::printf("%s: %lld frames decoded, %zu slices, %zu written, %zu pruned\n",
                  printable_path(s.file.native()).c_str(), static_cast<long long>(report->frames_decoded),
                  report->slices.size(), report->written.size(), pruned);
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!a.quiet) {
    std::fprintf(stderr, "%s: %zu sources, %zu frames written to %s in %.2f s%s\n", kCommand, sources_done, frames,
                 a.out.c_str(), secs, failed ? fmt::format("; {} failed", failed).c_str() : "");
  }
  return failed ? kExitSomeFailed : kExitOk;
}

}  // namespace

Runner add_extract_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("extract", "Frames out of GIFs and videos: fps caps, slices, scene cuts, near-duplicates");
  auto a = std::make_shared<Args>();
  cmd->add_option("PATH", a->paths, "GIFs and videos, or folders holding them")->required();
  cmd->add_option("--out", a->out, "Folder for the frames (and .tagforge/extract/<source>.json reports)")->required();
  cmd->add_option("--config", a->config, "A tagforge config (tagforge init): its [extract] and [models] under the flags");
  OptionTable table;
  add_extract_options(table, a->extract);
  add_models_options(table, a->models);
  a->flags = std::make_unique<OptionFlags>(*cmd, std::move(table));
  cmd->add_flag("--json", a->json, "Print each source's report (slices, cuts, kept and pruned frames) as JSON");
  cmd->add_flag("-q,--quiet", a->quiet, "Only errors");
  return [a] { return run(*a); };
}

}  // namespace tagforge::cli
