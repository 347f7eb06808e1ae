// `tagforge dedupe PATH... [--threshold N] [--flip] [--json]`: the groups of
// exact and near copies among images (perceptual hashes, dedupe/near_copies.h,
// each candidate pair confirmed on aligned thumbnails, dedupe/aligned_check.h),
// and which of each group would stay (dedupe/keeper.h: the largest, then the
// one with the user's own tags). It reports and changes nothing; moving the
// others into duplicates_N buckets is the run's `[dedupe]` stage (issue 21).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <optional>

#include "commands.h"
#include "dedupe/aligned_check.h"
#include "dedupe/keeper.h"
#include "dedupe/near_copies.h"
#include "image_inputs.h"
#include "infer/image_pipeline.h"
#include "media/perceptual_hash.h"
#include "model_command.h"
#include "pipeline/content_hash.h"
#include "tagforge/path_text.h"

namespace tagforge::cli {
namespace {

namespace fs = std::filesystem;
constexpr const char* kCommand = "tagforge dedupe";

struct Args {
  std::vector<std::string> paths;
  NearCopyOptions options;
  bool json = false, quiet = false;
};

struct Hashed {
  fs::path path;
  PerceptualHash hash;
  GreyThumbnail thumbnail;  // 1 KiB: the aligned check of candidate pairs
  KeeperFacts facts;
};

// A tag sidecar beside the image with something in it.
bool has_own_tags(const fs::path& image) {
  std::error_code ec;
  fs::path txt = image;
  txt.replace_extension(".txt");
  const auto size = fs::file_size(txt, ec);
  return !ec && size > 0;
}

// The file's content hash; a file that cannot be read is no one's copy.
std::optional<std::string> content_of(const fs::path& file) {
  auto h = hash_file(file);
  return h.ok() ? std::optional<std::string>(*h) : std::nullopt;
}

int run(Args& a) {
  size_t failed = 0;
  const std::vector<fs::path> images = collect_images(a.paths, kCommand, failed);
  std::vector<Hashed> hashed;
  hashed.reserve(images.size());
  PipelineOptions opt;
  opt.keep_pixels = true;
  opt.decode.reduce_to_long_side = 512;  // the hash samples at most 256 points a side
  const auto start = std::chrono::steady_clock::now();
  run_image_pipeline(images, opt, {}, [&](PipelineBatch& b) {
    for (PipelineImage& im : b.images) {
      if (im.error) {
        std::fprintf(stderr, "%s: %s\n", kCommand, im.error->to_string().c_str());
        ++failed;
        continue;
      }
      Hashed& h = hashed.emplace_back();
      h.path = im.path;
      h.hash = perceptual_hash(im.decoded.image, &h.thumbnail);
      h.facts = {im.decoded.full_width, im.decoded.full_height, std::nullopt, has_own_tags(im.path)};
      im.decoded.image.pixels = {};
    }
  });
  std::vector<PerceptualHash> hashes;
  hashes.reserve(hashed.size());
  for (const Hashed& h : hashed) hashes.push_back(h.hash);
  const auto groups = near_copy_groups(hashes, a.options, [&](uint32_t i, uint32_t j, bool mirrored) {
    return same_picture(hashed[i].thumbnail, hashed[j].thumbnail, mirrored);
  });

  size_t duplicates = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    std::vector<KeeperFacts> facts;
    for (uint32_t i : groups[g]) facts.push_back(hashed[i].facts);
    const Hashed& keep = hashed[groups[g][choose_keeper(facts)]];
    const std::optional<std::string> keep_content = content_of(keep.path);
    nlohmann::ordered_json members = nlohmann::ordered_json::array();
    std::string text = fmt::format("group {} ({} images): keep {} ({}x{})\n", g + 1, groups[g].size(),
                                   printable_path(keep.path.native()), keep.facts.width, keep.facts.height);
    for (uint32_t i : groups[g]) {
      const Hashed& m = hashed[i];
      if (&m == &keep) continue;
      ++duplicates;
      const bool exact = keep_content && content_of(m.path) == keep_content;
      const auto d = near_copy_distance(keep.hash, m.hash, NearCopyOptions{64, a.options.flip});  // joined through others: any distance
      members.push_back({{"path", m.path.string()},
                         {"width", m.facts.width},
                         {"height", m.facts.height},
                         {"exact", exact},
                         {"dct_distance", d->dct},
                         {"centre_distance", d->centre},
                         {"mirrored", d->mirrored}});
      text += fmt::format("  {}  {}x{}  {}\n", printable_path(m.path.native()), m.facts.width, m.facts.height,
                          exact ? std::string("exact copy")
                                : fmt::format("{} / {} bits{}", d->dct, d->centre, d->mirrored ? ", mirrored" : ""));
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
    std::fprintf(stderr, "%s: %zu images, %zu groups, %zu duplicates to set aside, %s\n", kCommand, hashed.size(),
                 groups.size(), duplicates, rate_and_failures(hashed.size(), secs, failed).c_str());
  }
  return failed ? kExitSomeFailed : kExitOk;
}

}  // namespace

Runner add_dedupe_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("dedupe", "Groups of exact and near copies among images, and which of each to keep");
  auto a = std::make_shared<Args>();
  cmd->add_option("PATH", a->paths, "Images, or folders whose still images are compared")->required();
  cmd->add_option("--threshold", a->options.threshold,
                  "Bits (of 64) one perceptual hash may differ by; the other may differ by twice that")
      ->check(CLI::Range(0, 32))
      ->capture_default_str();
  cmd->add_flag("--flip", a->options.flip, "A left-right mirror counts as a copy");
  cmd->add_flag("--json", a->json, "Print one JSON object per group: the keeper and each duplicate's distances");
  cmd->add_flag("-q,--quiet", a->quiet, "Only errors");
  return [a] { return run(*a); };
}

}  // namespace tagforge::cli
