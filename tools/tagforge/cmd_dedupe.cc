// `tagforge dedupe PATH... [--threshold N] [--flip] [--dry-run] [--json]`: the
// groups of exact and near copies among images (perceptual hashes,
// dedupe/near_copies.h, each candidate pair confirmed on aligned thumbnails,
// dedupe/aligned_check.h), and which of each group stays (dedupe/keeper.h:
// the largest, then the one with the user's own tags). Given one folder, the
// others are set aside into its duplicates_N buckets with their sidecars,
// journaled and undoable (dedupe/set_aside.h), unless --dry-run; given files
// or several paths, it only reports.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>

#include "commands.h"
#include "core/fs_ops.h"
#include "dedupe/aligned_check.h"
#include "dedupe/expressions.h"
#include "dedupe/keeper.h"
#include "dedupe/near_copies.h"
#include "dedupe/set_aside.h"
#include "image_inputs.h"
#include "infer/image_pipeline.h"
#include "media/perceptual_hash.h"
#include "model_command.h"
#include "pipeline/content_hash.h"
#include "tagforge/path_text.h"
#include "tags/normalize.h"

namespace tagforge::cli {
namespace {

namespace fs = std::filesystem;
constexpr const char* kCommand = "tagforge dedupe";

struct Args {
  std::vector<std::string> paths;
  NearCopyOptions options;
  size_t bucket_size = 1000;
  bool json = false, quiet = false, dry_run = false;
};

struct Hashed {
  fs::path path;
  size_t image = 0;  // index into the images compared
  PerceptualHash hash;
  GreyThumbnail thumbnail;  // 1 KiB: the aligned check of candidate pairs
  KeeperFacts facts;
  Expression face;  // from the user's tags: a sprite's expressions are not copies (dedupe/expressions.h)
};

// The tag sidecar beside the image ("" when none, or when it is too large to be one).
std::string own_tags_of(const fs::path& image) {
  fs::path txt = image;
  txt.replace_extension(".txt");
  std::error_code ec;
  if (fs::file_size(txt, ec) > (1u << 20) || ec) return {};
  auto bytes = read_whole_file(txt, "tag file");
  return bytes ? *bytes : std::string();
}

// The file's content hash; a file that cannot be read is no one's copy.
std::optional<std::string> content_of(const fs::path& file) {
  auto h = hash_file(file);
  return h.ok() ? std::optional<std::string>(*h) : std::nullopt;
}

// One folder: its scan's still images, those already set aside left out; `item` of each.
Result<std::vector<fs::path>> images_of_folder(const fs::path& dir, ScanResult& scan, std::vector<size_t>& item) {
  auto scanned = scan_tree(dir, ScanOptions{});
  if (!scanned) return scanned.error();
  scan = std::move(*scanned);
  std::vector<fs::path> out;
  for (size_t i = 0; i < scan.items.size(); ++i) {
    const Item& it = scan.items[i];
    const std::string rel = scan.relative_path(it);
    if (it.kind() != MediaKind::kImage || !it.usable() || in_duplicates_bucket(rel)) continue;
    out.push_back(scan.root / rel);
    item.push_back(i);
  }
  return out;
}

int run(Args& a) {
  size_t failed = 0;
  std::error_code ec;
  const bool folder = a.paths.size() == 1 && fs::is_directory(a.paths[0], ec);
  ScanResult scan;
  std::vector<size_t> item_of_image;
  std::vector<fs::path> images;
  if (folder) {
    uint64_t finished = 0;
    if (Status st = a.dry_run ? ok_status() : finish_interrupted_dedupe(a.paths[0], &finished); !st.ok()) {
      std::fprintf(stderr, "%s: %s\n", kCommand, st.error().to_string().c_str());
      return kExitFatal;
    }
    if (finished && !a.quiet) {
      std::fprintf(stderr, "%s: finished an interrupted dedupe of this folder (%llu files moved)\n", kCommand,
                   static_cast<unsigned long long>(finished));
    }
    auto found = images_of_folder(a.paths[0], scan, item_of_image);
    if (!found) {
      std::fprintf(stderr, "%s: %s\n", kCommand, found.error().to_string().c_str());
      return kExitFatal;
    }
    images = std::move(*found);
  } else {
    images = collect_images(a.paths, kCommand, failed);
  }
  std::vector<Hashed> hashed;
  hashed.reserve(images.size());
  PipelineOptions opt;
  opt.keep_pixels = true;
  opt.decode.reduce_to_long_side = 512;  // the hash samples at most 256 points a side
  const auto start = std::chrono::steady_clock::now();
  run_image_pipeline(images, opt, {}, [&](PipelineBatch& b) {
    for (size_t k = 0; k < b.images.size(); ++k) {
      PipelineImage& im = b.images[k];
      if (im.error) {
        std::fprintf(stderr, "%s: %s\n", kCommand, im.error->to_string().c_str());
        ++failed;
        continue;
      }
      Hashed& h = hashed.emplace_back();
      h.path = im.path;
      h.image = b.first + k;
      h.hash = perceptual_hash(im.decoded.image, &h.thumbnail);
      const std::string tags = own_tags_of(im.path);
      std::vector<std::string_view> entries;
      split_tag_list(tags, entries);
      for (std::string_view tag : entries) h.face.add(tag, 1);
      h.facts = {im.decoded.full_width, im.decoded.full_height, std::nullopt, h.face.known};
      im.decoded.image.pixels = {};
    }
  });
  std::vector<PerceptualHash> hashes;
  hashes.reserve(hashed.size());
  for (const Hashed& h : hashed) hashes.push_back(h.hash);
  const auto groups = near_copy_groups(hashes, a.options, [&](uint32_t i, uint32_t j, bool mirrored) {
    if (different_expressions(hashed[i].face, hashed[j].face)) return false;
    return same_picture(hashed[i].thumbnail, hashed[j].thumbnail, mirrored);
  });

  // Who stays in each group; in a folder, the others are set aside (or, dry, where they would go).
  std::vector<uint32_t> keepers;
  std::vector<size_t> aside;  // items of the scan
  for (const auto& group : groups) {
    std::vector<KeeperFacts> facts;
    for (uint32_t i : group) facts.push_back(hashed[i].facts);
    keepers.push_back(group[choose_keeper(facts)]);
    for (uint32_t i : group) {
      if (i != keepers.back() && folder) aside.push_back(item_of_image[hashed[i].image]);
    }
  }
  std::map<std::string, std::string> destination;  // media file's path relative to DIR -> its bucket path
  SetAsideReport set;
  if (folder) {
    auto done = set_aside(scan, aside, a.bucket_size, a.dry_run);
    if (!done) {
      std::fprintf(stderr, "%s: %s\n", kCommand, done.error().to_string().c_str());
      return kExitFatal;
    }
    set = std::move(*done);
    for (const auto& [src, dst] : set.moves) destination.emplace(src, dst);
    for (const ScanNote& f : set.failures) {
      std::fprintf(stderr, "%s: %s: %s\n", kCommand, printable_path(f.path).c_str(), f.message.c_str());
      ++failed;
    }
  }
  auto to_of = [&](const Hashed& m) -> std::optional<std::string> {
    if (!folder) return std::nullopt;
    auto hit = destination.find(scan.relative_path(scan.items[item_of_image[m.image]]));
    return hit == destination.end() ? std::nullopt : std::optional<std::string>(hit->second);
  };

  size_t duplicates = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    const Hashed& keep = hashed[keepers[g]];
    const std::optional<std::string> keep_content = content_of(keep.path);
    nlohmann::ordered_json members = nlohmann::ordered_json::array();
    std::string text = fmt::format("group {} ({} images): keep {} ({}x{})\n", g + 1, groups[g].size(),
                                   printable_path(keep.path.native()), keep.facts.width, keep.facts.height);
    for (uint32_t i : groups[g]) {
      if (i == keepers[g]) continue;
      const Hashed& m = hashed[i];
      ++duplicates;
      // Read before the move, or from where it went.
      const std::optional<std::string> to = to_of(m);
      const fs::path now = to && !a.dry_run ? scan.root / *to : m.path;
      const bool exact = keep_content && content_of(now) == keep_content;
      const auto d = near_copy_distance(keep.hash, m.hash, NearCopyOptions{64, a.options.flip});  // joined through others: any distance
      nlohmann::ordered_json member{{"path", m.path.string()},
                                    {"width", m.facts.width},
                                    {"height", m.facts.height},
                                    {"exact", exact},
                                    {"dct_distance", d->dct},
                                    {"centre_distance", d->centre},
                                    {"mirrored", d->mirrored}};
      if (to) member["to"] = *to;
      members.push_back(std::move(member));
      text += fmt::format("  {}  {}x{}  {}{}\n", printable_path(m.path.native()), m.facts.width, m.facts.height,
                          exact ? std::string("exact copy")
                                : fmt::format("{} / {} bits{}", d->dct, d->centre, d->mirrored ? ", mirrored" : ""),
                          to ? fmt::format("  -> {}", printable_path(*to)) : std::string());
    }
    if (a.json) {
      nlohmann::ordered_json j{{"group", g + 1},
                               {"keep", keep.path.string()},
                               {"width", keep.facts.width},
                               {"height", keep.facts.height},
                               {"own_tags", keep.facts.own_tags},
                               {"duplicates", members}};
      std::puts(j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
    } else {
      std::fputs(text.c_str(), stdout);
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!a.quiet) {
    const char* what = !folder ? "to set aside" : a.dry_run ? "would be set aside (dry run)" : "set aside";
    std::fprintf(stderr, "%s: %zu images, %zu groups, %zu duplicates %s, %s\n", kCommand, hashed.size(),
                 groups.size(), duplicates, what, rate_and_failures(hashed.size(), secs, failed).c_str());
    if (!set.journal.empty()) {
      std::fprintf(stderr, "%s: %llu files moved into %s_N with their sidecars; `tagforge undo %s` puts them back\n",
                   kCommand, static_cast<unsigned long long>(set.moved), kDuplicatesFolder,
                   printable_path(scan.root.native()).c_str());
    }
  }
  return failed ? kExitSomeFailed : kExitOk;
}

}  // namespace

Runner add_dedupe_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("dedupe", "Groups of exact and near copies among images; in a folder, all but the best of each set aside");
  auto a = std::make_shared<Args>();
  cmd->add_option("PATH", a->paths,
                  "A folder (its duplicates are set aside into duplicates_N buckets), or images and folders to "
                  "compare and report on")
      ->required();
  cmd->add_option("--threshold", a->options.threshold,
                  "Bits (of 64) one perceptual hash may differ by; the other may differ by twice that")
      ->check(CLI::Range(0, 32))
      ->capture_default_str();
  cmd->add_flag("--flip", a->options.flip, "A left-right mirror counts as a copy");
  cmd->add_flag("--dry-run", a->dry_run, "Given a folder: say where each duplicate would go, move nothing");
  cmd->add_option("--bucket-size", a->bucket_size, "Given a folder: duplicates per duplicates_N bucket")
      ->check(CLI::Range(size_t{1}, size_t{1} << 40))
      ->capture_default_str();
  cmd->add_flag("--json", a->json, "Print one JSON object per group: the keeper and each duplicate's distances");
  cmd->add_flag("-q,--quiet", a->quiet, "Only errors");
  return [a] { return run(*a); };
}

}  // namespace tagforge::cli
