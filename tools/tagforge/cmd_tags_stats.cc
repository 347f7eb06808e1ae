// `tagforge tags stats DIR`: how often each tag occurs, per category (the
// report kohya's tagger prints with --frequency_tags, over existing files).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>

#include "commands.h"
#include "core/fs_ops.h"
#include "tag_engine.h"
#include "tagforge/path_text.h"
#include "tagforge/scan.h"

namespace tagforge::cli {
namespace {

struct Args {
  std::string dir;
  bool json = false, quiet = false;
  size_t top = 30;
  TagEngineFlags engine;
};

}  // namespace

Runner add_tags_stats_command(CLI::App& tags) {
  auto* cmd = tags.add_subcommand("stats", "Tag frequencies of a folder's tag sidecars, per category");
  auto a = std::make_shared<Args>();
  cmd->add_option("DIR", a->dir, "Folder to count")->required();
  cmd->add_flag("--json", a->json, "Every tag with its count, as JSON");
  cmd->add_option("--top", a->top, "Tags shown per category in the text report")->capture_default_str();
  cmd->add_flag("-q,--quiet", a->quiet, "No warnings about the rules");
  add_tag_engine_flags(*cmd, a->engine);

  return [a] {
    auto engine = load_tag_engine(a->engine, true);
    if (!engine) return kExitFatal;
    ScanOptions so;
    auto scan = scan_tree(a->dir, so);
    if (!scan) {
      std::fprintf(stderr, "tagforge tags stats: %s\n", scan.error().to_string().c_str());
      return kExitFatal;
    }
    std::map<std::string, std::pair<uint64_t, TagCategory>> freq;
    uint64_t files = 0, failed = 0, tags_total = 0;
    TagList list;
    ParseScratch scratch;
    for (const Item& item : scan->items) {
      for (const Sidecar& s : item.sidecars) {
        if (s.kind != SidecarKind::kTags) continue;
        const auto path = scan->root / scan->relative_path(item, s.name);
        auto text = read_whole_file(path, "tag file");
        if (!text) {
          std::fprintf(stderr, "tagforge tags stats: %s\n", text.error().to_string().c_str());
          ++failed;
          continue;
        }
        parse_tag_list(*text, engine->db, list, scratch);
        ++files;
        for (size_t i = 0; i < list.tags.size(); ++i) {
          auto& slot = freq[std::string(list.name(i, engine->db))];
          ++slot.first;
          slot.second = engine->db.category(list.tags[i].id);
          ++tags_total;
        }
      }
    }
    // Per category, most frequent first, then by name.
    std::map<TagCategory, std::vector<std::pair<std::string, uint64_t>>> by_cat;
    for (const auto& [name, v] : freq) by_cat[v.second].emplace_back(name, v.first);
    for (auto& [cat, rows] : by_cat) {
      std::stable_sort(rows.begin(), rows.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
    }
    if (a->json) {
      nlohmann::json j;
      j["tag_files"] = files;
      j["tags"] = tags_total;
      j["distinct"] = freq.size();
      j["unreadable"] = failed;
      for (const auto& [cat, rows] : by_cat) {
        auto& arr = j["categories"][category_name(cat)];
        arr = nlohmann::json::array();
        for (const auto& [name, n] : rows) arr.push_back({{"tag", name}, {"count", n}});
      }
      std::puts(j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
      std::printf("%llu tag files, %llu tags, %zu distinct\n", static_cast<unsigned long long>(files),
                  static_cast<unsigned long long>(tags_total), freq.size());
      for (const auto& [cat, rows] : by_cat) {
        std::printf("\n%s (%zu distinct):\n", category_name(cat), rows.size());
        for (size_t i = 0; i < rows.size() && i < a->top; ++i) {
          std::printf("  %8llu  %s\n", static_cast<unsigned long long>(rows[i].second), rows[i].first.c_str());
        }
        if (rows.size() > a->top) std::printf("  ... %zu more\n", rows.size() - a->top);
      }
    }
    return failed ? kExitSomeFailed : kExitOk;
  };
}

}  // namespace tagforge::cli
