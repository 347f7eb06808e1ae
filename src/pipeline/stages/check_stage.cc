#include "pipeline/stages/check_stage.h"

#include "media/decode.h"

namespace tagforge {

namespace fs = std::filesystem;

namespace {

using json = nlohmann::ordered_json;

class CheckStage : public ItemStage {
 public:
  const char* name() const override { return kStageCheck; }
  std::vector<const char*> inputs(const RunContext&) const override { return {kStageTags, kStageDetect, kStageSegment}; }
  bool reads_image() const override { return true; }
  bool applies(const RunContext& c) const override { return !c.detectors.empty() || c.segmenter != nullptr; }

  void add_options(OptionTable& table, RunConfig& config) const override {
    CheckConfig& c = config.check;
    OptionSection t{table, "check"};
    t.add("fix", "On a contradiction: none (report), flag (add the review tag) or replace (a hair colour becomes the "
          "measured one)", &c.fix, std::nullopt, {"none", "flag", "replace"});
    t.add("review_tag", "The tag that flags an item for review (sorted into review_N)", &c.review_tag);
  }

  // Applies when there are detections or a mask to check against.
  std::optional<std::string> fingerprint(const FingerprintInputs& in) const override {
    if (in.of(kStageDetect).empty() && in.of(kStageSegment).empty()) return std::nullopt;
    return stage_fingerprint({kStageCheck, in.item.item.hash, in.of(kStageTags), in.of(kStageDetect),
                              in.of(kStageSegment), in.context.section("check")});
  }

  StageOutput compute(const StageInput& in) const override {
    const ItemState& it = in.item;
    const RunContext& c = in.context;
    const std::optional<Aseg> aseg = aseg_of(it);
    const std::optional<Image8> subject = subject_mask(it.file.parent_path(), *aseg);
    if (in.image->width != aseg->image_width || in.image->height != aseg->image_height) {
      return stage_failed("the detections are for an image of another size");
    }
    const PixelCheck out =
        check_pixels(*in.image, *aseg, subject ? &*subject : nullptr,
                     stage_json(*stage_result(it, kStageTags))["tags"].get<std::string>(), *c.engine,
                     fix_policy_named(c.config.check.fix), c.config.check.review_tag);
    json checks = json::array();
    for (const AsegCheck& k : out.outcome.checks) {
      checks.push_back({{"what", k.what}, {"tag", k.tag}, {"measured", k.measured}, {"verdict", k.verdict},
                        {"action", k.action}});
    }
    return stage_ok(result_text(json{{"checks", checks}, {"tags", out.tags}, {"changed", out.outcome.changed}}));
  }
};

}  // namespace

const ItemStage& check_stage() {
  static const CheckStage stage;
  return stage;
}

FixPolicy fix_policy_named(std::string_view name) {
  return name == "none" ? FixPolicy::kNone : name == "replace" ? FixPolicy::kReplace : FixPolicy::kFlag;
}

std::optional<Image8> subject_mask(const fs::path& folder, const Aseg& aseg) {
  for (const AsegMask& m : aseg.masks) {
    if (m.file.empty()) continue;
    auto d = decode_image(folder / m.file);
    if (d && d->image.channels == 1 && d->image.width == aseg.image_width && d->image.height == aseg.image_height) {
      return std::move(d->image);
    }
  }
  return std::nullopt;
}

PixelCheck check_pixels(const Image8& image, const Aseg& aseg, const Image8* subject, std::string_view tag_line,
                        const TagEngine& engine, FixPolicy policy, const std::string& review_tag) {
  PixelCheck out;
  out.hair = measure_hair(image, aseg, subject);
  out.eyes = measure_eyes(image, aseg);
  const TagList list = parse_tag_list(tag_line, engine.db, "sidecar");
  std::vector<std::string> tags;
  for (size_t k = 0; k < list.tags.size(); ++k) tags.emplace_back(list.name(k, engine.db));
  out.outcome = check_tags_against_pixels(tags, aseg, out.hair, policy, review_tag, out.eyes);
  std::string joined;
  for (const std::string& s : out.outcome.tags) joined += (joined.empty() ? "" : ", ") + s;
  out.tags = format_tags(parse_tag_list(joined, engine.db, "sidecar"), engine.db, FormatOptions{});
  return out;
}

}  // namespace tagforge
