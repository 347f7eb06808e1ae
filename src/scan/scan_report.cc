#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "core/path_text.h"
#include "tagforge/scan.h"

namespace tagforge {
namespace {

std::string grouped(uint64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

std::map<std::string, uint64_t> format_counts(const ScanResult& scan) {
  std::map<std::string, uint64_t> m;
  for (const Item& it : scan.items) {
    if (it.usable()) ++m[std::string(format_name(it.format))];
  }
  return m;
}

}  // namespace

std::string format_scan_summary(const ScanResult& scan) {
  const ScanCounts c = scan.counts();
  const double rate = scan.seconds > 0 ? static_cast<double>(c.files) / scan.seconds : 0;
  std::string out = fmt::format("{}: {} files in {:.2f} s ({} files/s)\n", printable_path(scan.root.native()),
                                grouped(c.files), scan.seconds, grouped(static_cast<uint64_t>(rate)));
  auto row = [&](const char* label, uint64_t n, const std::string& detail) {
    out += fmt::format("  {:<12}{:>10}{}{}\n", label, grouped(n), detail.empty() ? "" : "   ", detail);
  };
  row("images", c.images, "");
  row("animations", c.animations, "");
  row("videos", c.videos, "");
  row("tagged", c.tagged, "media with a tag or caption sidecar");
  row("untagged", c.untagged, "");
  row("sidecars",
      c.sidecar_tags + c.sidecar_captions + c.sidecar_text + c.sidecar_json + c.sidecar_aseg + c.sidecar_mask +
          c.sidecar_empty,
      fmt::format("tags {} · captions {} · json {} · aseg {} · masks {} · empty {}{}", grouped(c.sidecar_tags),
                  grouped(c.sidecar_captions), grouped(c.sidecar_json), grouped(c.sidecar_aseg),
                  grouped(c.sidecar_mask), grouped(c.sidecar_empty),
                  c.sidecar_text ? " · unclassified " + grouped(c.sidecar_text) : ""));
  row("orphaned", c.orphan_sidecars, "sidecars with no media file");
  row("unknown", c.unknown, "");
  row("broken", c.broken(),
      fmt::format("zero-byte {} · truncated {} · extension lies {} · unreadable {}", grouped(c.zero_byte),
                  grouped(c.truncated), grouped(c.extension_lies), grouped(c.unreadable)));
  if (c.mislabelled) row("mislabelled", c.mislabelled, "real media under another extension (usable)");
  if (c.symlinks || c.special || c.unreadable_dirs) {
    row("skipped", c.symlinks + c.special + c.unreadable_dirs,
        fmt::format("symlinks {} · special files {} · unreadable folders {}", grouped(c.symlinks), grouped(c.special),
                    grouped(c.unreadable_dirs)));
  }
  auto formats = format_counts(scan);
  if (!formats.empty()) {
    std::string f;
    for (const auto& [name, n] : formats) f += (f.empty() ? "" : " · ") + name + " " + grouped(n);
    out += "  formats     " + f + "\n";
  }
  return out;
}

std::string scan_to_json(const ScanResult& scan) {
  const ScanCounts c = scan.counts();
  nlohmann::ordered_json j;
  j["root"] = printable_path(scan.root.native());
  j["seconds"] = scan.seconds;
  j["files"] = c.files;
  j["images"] = c.images;
  j["animations"] = c.animations;
  j["videos"] = c.videos;
  j["tagged"] = c.tagged;
  j["untagged"] = c.untagged;
  j["unknown"] = c.unknown;
  j["broken"] = c.broken();
  j["broken_detail"] = {{"zero_byte", c.zero_byte},
                        {"truncated", c.truncated},
                        {"extension_lies", c.extension_lies},
                        {"unreadable", c.unreadable}};
  j["mislabelled"] = c.mislabelled;
  j["sidecars"] = {{"tags", c.sidecar_tags},       {"captions", c.sidecar_captions}, {"unclassified", c.sidecar_text},
                   {"json", c.sidecar_json},       {"aseg", c.sidecar_aseg},         {"masks", c.sidecar_mask},         {"empty", c.sidecar_empty},       {"orphaned", c.orphan_sidecars}};
  j["skipped"] = {{"symlinks", c.symlinks}, {"special", c.special}, {"unreadable_dirs", c.unreadable_dirs}};
  j["formats"] = format_counts(scan);
  auto& notes = j["problems"] = nlohmann::ordered_json::array();
  for (const auto& n : scan.notes) notes.push_back({{"path", printable_path(n.path)}, {"problem", n.message}});
  return j.dump(2) + "\n";
}

}  // namespace tagforge
