// `tagforge check PATH... [--fix none|flag|replace] [--json]`: hold each
// image's tags against its pixels (hair colour in the hair region, eye colour
// in eye boxes, people counted by the detectors), using what `detect` and `segment` recorded in
// its .aseg; record the checks there and act on contradictions. The checks
// are `tagforge run`'s check stage's (stages/check_stage.h).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>

#include "commands.h"
#include "core/atomic_file.h"
#include "image_inputs.h"
#include "json_float.h"
#include "media/decode.h"
#include "pipeline/stages/check_stage.h"
#include "tag_engine.h"
#include "tagforge/path_text.h"
#include "vision/aseg.h"

namespace tagforge::cli {
namespace {

namespace fs = std::filesystem;
constexpr const char* kCommand = "tagforge check";

struct Args {
  std::vector<std::string> paths;
  std::string fix = "flag", ext = ".txt", review_tag = "needs_review";
  bool json = false, dry_run = false, quiet = false;
  TagEngineFlags engine;
};

struct Totals {
  size_t images = 0, checked = 0, contradictions = 0, changed = 0, failed = 0;
};

Result<Aseg> read_aseg(const fs::path& image) {
  const fs::path file = aseg_path_for(image);
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    return Error{ErrorCode::kNotFound, "no .aseg beside the image (run `tagforge detect` or `segment` first)", file};
  }
  return read_aseg_file(file);
}

void check_one(const Args& a, const TagEngine& engine, FixPolicy policy, const fs::path& image, Totals& t) {
  auto fail = [&](const Error& e) {
    std::fprintf(stderr, "%s: %s\n", kCommand, e.to_string().c_str());
    ++t.failed;
  };
  ++t.images;
  fs::path tag_file = image;
  tag_file.replace_extension(a.ext);
  auto text = read_tag_sidecar(tag_file);
  if (!text) return fail(text.error());
  auto aseg = read_aseg(image);
  if (!aseg) return fail(aseg.error());
  auto decoded = decode_image(image);
  if (!decoded) return fail(decoded.error());
  if (decoded->image.width != aseg->image_width || decoded->image.height != aseg->image_height) {
    return fail(Error{ErrorCode::kConflict, "the .aseg is for an image of another size; run detect again", image});
  }
  const std::optional<Image8> subject = subject_mask(image.parent_path(), *aseg);
  PixelCheck check = check_pixels(decoded->image, *aseg, subject ? &*subject : nullptr, *text, engine, policy,
                                  a.review_tag);
  TagCheckOutcome& out = check.outcome;
  const std::optional<RegionColour>& hair = check.hair;
  const std::optional<RegionColour>& eyes = check.eyes;
  ++t.checked;
  for (const AsegCheck& c : out.checks) t.contradictions += c.verdict == "contradicts";

  if (a.json) {
    nlohmann::ordered_json checks = nlohmann::ordered_json::array();
    for (const AsegCheck& c : out.checks) {
      checks.push_back({{"what", c.what}, {"tag", c.tag}, {"measured", c.measured}, {"verdict", c.verdict},
                        {"action", c.action}});
    }
    nlohmann::ordered_json j{{"path", image.string()}, {"checks", checks}};
    if (hair) {
      j["hair"] = {{"colour", colour_word(hair->colour.name)},
                   {"lab", {json_float(hair->colour.lab.l), json_float(hair->colour.lab.a), json_float(hair->colour.lab.b)}},
                   {"share", json_float(hair->colour.share)},
                   {"region", hair->source}};
    }
    if (eyes) {
      j["eyes"] = {{"colour", colour_word(eyes->colour.name)},
                   {"lab", {json_float(eyes->colour.lab.l), json_float(eyes->colour.lab.a), json_float(eyes->colour.lab.b)}},
                   {"share", json_float(eyes->colour.share)}};
    }
    std::puts(j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
  }
  if (a.dry_run) return;
  if (out.changed) {
    if (Status st = write_file_atomic(tag_file, check.tags, Overwrite::kReplace); !st.ok()) return fail(st.error());
    ++t.changed;
  }
  aseg->checks = std::move(out.checks);  // the latest checks replace earlier ones
  if (Status st = write_file_atomic(aseg_path_for(image), format_aseg(*aseg), Overwrite::kReplace); !st.ok()) {
    return fail(st.error());
  }
}

int run(const Args& a) {
  const FixPolicy policy = fix_policy_named(a.fix);
  auto engine = load_tag_engine(a.engine, a.quiet);
  if (!engine) return kExitFatal;
  Totals t;
  const std::vector<fs::path> images = collect_images(a.paths, kCommand, t.failed);
  for (const fs::path& image : images) check_one(a, *engine, policy, image, t);
  if (!a.quiet) {
    std::fprintf(stderr, "%s: %zu images checked, %zu contradictions, %zu tag files changed%s\n", kCommand, t.checked,
                 t.contradictions, t.changed, t.failed ? fmt::format("; {} failed", t.failed).c_str() : "");
  }
  return t.failed ? kExitSomeFailed : kExitOk;
}

}  // namespace

Runner add_check_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("check", "Hold tags against the pixels: hair colour, people counted (needs .aseg files)");
  auto a = std::make_shared<Args>();
  cmd->add_option("PATH", a->paths, "Images, or folders whose still images are checked")->required();
  cmd->add_option("--fix", a->fix, "On a contradiction: none (report), flag (add the review tag) or replace "
                                   "(a hair colour becomes the measured one; counts are flagged)")
      ->check(CLI::IsMember({"none", "flag", "replace"}))
      ->capture_default_str();
  cmd->add_option("--review-tag", a->review_tag, "The tag that flags an image for review")->capture_default_str();
  cmd->add_option("--ext", a->ext, "Tag sidecar extension")->capture_default_str();
  cmd->add_flag("--json", a->json, "Print one JSON object per image: the measured hair colour and every check");
  cmd->add_flag("--dry-run", a->dry_run, "Write nothing");
  cmd->add_flag("-q,--quiet", a->quiet, "Only errors");
  add_tag_engine_flags(*cmd, a->engine);
  return [a] { return run(*a); };
}

}  // namespace tagforge::cli
