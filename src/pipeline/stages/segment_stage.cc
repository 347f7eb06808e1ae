#include "pipeline/stages/segment_stage.h"

#include "pipeline/item_sidecars.h"

#include "pipeline/stage_models.h"

namespace tagforge {

namespace fs = std::filesystem;

namespace {

using json = nlohmann::ordered_json;

class SegmentStage : public ItemStage {
 public:
  const char* name() const override { return kStageSegment; }
  bool reads_image() const override { return true; }
  bool reads_only_the_image() const override { return true; }
  bool runs_a_model() const override { return true; }
  bool applies(const RunContext& c) const override { return c.segmenter != nullptr; }
  const char* model_key() const override { return "segmenter"; }
  void add_model_option(OptionSection& models, ModelsConfig& m) const override {
    models.add(model_key(),
               "Subject segmenter (ISNet): a name (anime-seg, isnet-imgly) or a folder; empty: the catalogue's default "
               "when installed; \"none\": no segmentation",
               &m.segmenter);
  }
  std::vector<std::string> models_named(const ModelsConfig& m) const override { return one_model_named(m.segmenter); }

  Status load_model(const ModelLocation& loc, const RuntimeOptions& runtime, RunContext& c) const override {
    auto model = load_stage_model<Segmenter>(loc, runtime);
    if (!model) return model.error();
    c.segmenter = std::move(*model);
    c.segment_identity = model_identity(loc);
    return ok_status();
  }
  void unload_models(const RunContext& c) const override {
    if (c.segmenter) c.segmenter->unload();
  }

  std::optional<std::string> fingerprint(const FingerprintInputs& in) const override {
    if (!in.context.segmenter) return std::nullopt;
    return stage_fingerprint({kStageSegment, in.item.item.hash, in.context.segment_identity});
  }

  StageOutput compute(const StageInput& in) const override {
    const Image8& image = *in.image;
    const fs::path file = in.item.file.parent_path() / mask_file_name(in.item.file);
    auto s = segment_subject(*in.context.segmenter, image, file);
    if (!s) return stage_failed(s.error().to_string());
    return stage_ok(result_text(json{{"model", in.context.segmenter->profile().name},
                                     {"width", image.width},
                                     {"height", image.height},
                                     {"area_share", s->cover.area_share},
                                     {"box", box_json(s->cover.box)},
                                     {"file", file.filename().string()}}));
  }
};

}  // namespace

const ItemStage& segment_stage() {
  static const SegmentStage stage;
  return stage;
}

std::string mask_file_name(const fs::path& image) { return image.stem().string() + ".mask.png"; }

Result<SubjectMask> segment_subject(Segmenter& segmenter, const Image8& image, const fs::path& file) {
  auto mask = segmenter.segment(image);
  if (!mask) return mask.error();
  if (!file.empty()) TF_RETURN_IF_ERROR(write_if_changed(file, mask_png(*mask)));
  const MaskCoverage cover = measure_mask(*mask);
  return SubjectMask{std::move(*mask), cover};
}

}  // namespace tagforge
