#include <tbb/parallel_for.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "media/decode.h"
#include "option_flags.h"
#include "pipeline/stages/quality_stage.h"
#include "tagforge/path_text.h"
#include "tagforge/scan.h"

namespace tagforge::cli {

namespace {

using json = nlohmann::ordered_json;

// One still's measures, or why it has none.
struct Measured {
  std::string path;  // relative to the root
  ImageQuality quality;
  std::vector<std::string> faults;
  std::string error;
};

// Every usable still of the scan decoded and measured (--quality), on every core.
std::vector<Measured> measure_stills(const ScanResult& scan, const QualityGate& gate) {
  std::vector<const Item*> stills;
  for (const Item& it : scan.items) {
    if (it.usable() && it.kind() == MediaKind::kImage) stills.push_back(&it);
  }
  std::vector<Measured> out(stills.size());
  tbb::parallel_for(size_t{0}, stills.size(), [&](size_t i) {
    Measured& m = out[i];
    m.path = scan.relative_path(*stills[i]);
    auto decoded = decode_image(scan.root / m.path);
    if (!decoded) {
      m.error = decoded.error().to_string();
      return;
    }
    m.quality = measure_quality(decoded->image);
    m.faults = quality_faults(m.quality, gate);
  });
  return out;
}

}  // namespace

Runner add_scan_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("scan", "Count and check what a folder holds: media, sidecars, broken files");
  struct Args {
    std::string dir, config;
    bool json = false;
    bool quiet = false;
    bool quality = false;
    ScanOptions scan;
    RunConfig run;  // its [quality] section
    std::unique_ptr<OptionFlags> flags;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("DIR", a->dir, "Folder to scan")->required();
  cmd->add_flag("--json", a->json, "Print a JSON summary (with every problem) instead of text");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress output");
  cmd->add_option("--tag-max-words", a->scan.tag_max_words,
                  "A sidecar whose comma-separated items mostly have at most this many words is a tag list, "
                  "otherwise a caption")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cmd->add_flag("--quality", a->quality,
                "Also decode every still and measure it (sharpness, exposure, black bars, upscaling, size) against "
                "the [quality] gate, as `tagforge run` does");
  cmd->add_option("--config", a->config, "A tagforge.toml whose [quality] section to take (flags beat it)");
  OptionTable table;
  quality_stage().add_options(table, a->run);
  std::erase_if(table, [](const OptionDef& d) { return d.key == "action"; });  // scan moves nothing
  a->flags = std::make_unique<OptionFlags>(*cmd, std::move(table));
  return [a] {
    if (Status st = a->flags->finish(a->config); !st.ok()) {
      std::fprintf(stderr, "tagforge scan: %s\n", st.error().to_string().c_str());
      return kExitFatal;
    }
    auto progress = make_terminal_progress(a->quiet || a->json);
    a->scan.progress = progress.get();
    auto r = scan_tree(a->dir, a->scan);
    if (!r) {
      std::fprintf(stderr, "tagforge scan: %s\n", r.error().to_string().c_str());
      return kExitFatal;
    }
    std::vector<Measured> measured;
    if (a->quality) measured = measure_stills(*r, a->run.quality.gate);
    size_t failed_decode = 0, below = 0;
    for (const Measured& m : measured) {
      failed_decode += !m.error.empty();
      below += !m.faults.empty();
    }
    if (a->json) {
      if (!a->quality) {
        std::fputs(scan_to_json(*r).c_str(), stdout);
      } else {
        json j = json::parse(scan_to_json(*r));
        json& q = j["quality"] = json::object();
        q["measured"] = measured.size() - failed_decode;
        q["below_gate"] = below;
        json& stills = q["stills"] = json::array();
        for (const Measured& m : measured) {
          json s{{"path", printable_path(m.path)}};
          if (!m.error.empty()) s["error"] = m.error;
          else s.update(quality_json(m.quality, m.faults));
          stills.push_back(std::move(s));
        }
        std::fputs((j.dump(2) + "\n").c_str(), stdout);
      }
    } else {
      std::fputs(format_scan_summary(*r).c_str(), stdout);
      if (a->quality) {
        std::printf("  quality     %zu stills measured, %zu below the gate\n", measured.size() - failed_decode,
                    below);
      }
      std::vector<std::pair<std::string, std::string>> rows;
      for (const auto& n : r->notes) rows.emplace_back(printable_path(n.path), n.message);
      print_problems("problems", rows, 20);
      if (a->quality) {
        std::vector<std::pair<std::string, std::string>> low;
        for (const Measured& m : measured) {
          if (!m.error.empty()) {
            low.emplace_back(printable_path(m.path), m.error);
            continue;
          }
          if (!m.faults.empty()) low.emplace_back(printable_path(m.path), faults_text(m.faults));
        }
        print_problems("below the quality gate", low, 20);
      }
    }
    const ScanCounts c = r->counts();
    return (c.unreadable || c.unreadable_dirs || failed_decode) ? kExitSomeFailed : kExitOk;
  };
}

}  // namespace tagforge::cli
