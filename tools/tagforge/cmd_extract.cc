// `tagforge extract PATH... --out DIR`: frames out of GIFs and videos, with
// the knobs of media/frame_selection.h; a report per source.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "commands.h"
#include "core/atomic_file.h"
#include "media/extract.h"
#include "tagforge/path_text.h"
#include "tagforge/scan.h"

namespace tagforge::cli {
namespace {

namespace fs = std::filesystem;
constexpr const char* kCommand = "tagforge extract";

struct Args {
  std::vector<std::string> paths;
  std::string out;
  ExtractOptions extract;
  bool json = false, quiet = false;
};

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
  const auto& format = a.extract.format;
  if (format != "png" && format != "jpg" && format != "webp") {
    std::fprintf(stderr, "%s: --format must be png, jpg or webp\n", kCommand);
    return kExitFatal;
  }
  size_t failed = 0, frames = 0, sources_done = 0;
  const std::vector<Source> sources = collect_sources(a.paths, failed);
  const fs::path reports = fs::path(a.out) / ".tagforge" / "extract";
  const auto start = std::chrono::steady_clock::now();
  for (const Source& s : sources) {
    auto report = extract_frames(s.file, a.out, a.extract, s.sidecar);
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
  ExtractOptions& e = a->extract;
  SelectionSettings& s = e.selection;
  s.similarity_threshold = 0.92f;
  s.shift_sensitivity = 0.5f;
  cmd->add_option("PATH", a->paths, "GIFs and videos, or folders holding them")->required();
  cmd->add_option("--out", a->out, "Folder for the frames (and .tagforge/extract/<source>.json reports)")->required();
  cmd->add_option("--gfps", e.gfps, "Most frames kept per second of a GIF (0: all)")->capture_default_str();
  cmd->add_option("--vfps", e.vfps, "Most frames kept per second of a video (0: all)")->capture_default_str();
  cmd->add_option("--minimum-frames", s.minimum_frames, "Fewest frames per slice (pruning relaxed to reach it)")
      ->capture_default_str();
  cmd->add_option("--maximum-frames", s.maximum_frames, "Most frames per slice (0: no limit; the most distinct kept)")
      ->capture_default_str();
  cmd->add_option("--forced-slices", s.forced_slices, "Cut each clip into N equal slices (0: off)")->capture_default_str();
  cmd->add_option("--slice-seconds", s.slice_seconds, "Cut each clip every S seconds (0: off)")->capture_default_str();
  cmd->add_option("--shift-detection-sensitivity", s.shift_sensitivity,
                  "0 off; up to 1: a scene cut starts a new slice (see src/media/frame_features.h)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--similarity-threshold", s.similarity_threshold,
                  "Prune a frame at least this similar to the last kept one (0 off, 1 only identical)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--minimum-resolution", e.minimum_resolution, "Upscale so the short side is at least this (0: off)")
      ->capture_default_str();
  cmd->add_option("--maximum-resolution", e.maximum_resolution, "Downscale so the long side is at most this (0: off)")
      ->capture_default_str();
  cmd->add_option("--format", e.format, "png, jpg or webp")->capture_default_str();
  cmd->add_flag("--json", a->json, "Print each source's report (slices, cuts, kept and pruned frames) as JSON");
  cmd->add_flag("-q,--quiet", a->quiet, "Only errors");
  return [a] { return run(*a); };
}

}  // namespace tagforge::cli
