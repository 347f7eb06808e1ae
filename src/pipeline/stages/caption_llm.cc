#include "pipeline/stages/caption_llm.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "media/decode.h"
#include "media/encode.h"
#include "vision/part_regions.h"
#include "vision/tiles.h"

namespace tagforge {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

// An image as the LLM is sent it: the long side at most [caption.llm] image_side, as JPEG.
Result<std::string> llm_jpeg(const Image8& image, const fs::path& name, const RunContext& c) {
  return encode_jpeg_within(image, c.config.caption.llm.image_side, 90, name);
}

// Stage 2's tiles: each with its JPEG, its own tags when the tagger is at hand (not stage by
// stage, where it is unloaded by now), and the person whose box owns it.
std::vector<LlmTile> tiles_for_llm(const ItemState& it, const Image8& image, const RunContext& c) {
  const LlmCaptionConfig& l = c.config.caption.llm;
  std::vector<Box> persons;
  int w = 0, h = 0;
  for (const Detection& d : detections_of(it, &w, &h)) {
    if (d.label == "person" && w == image.width && h == image.height) persons.push_back(d.box);
  }
  std::sort(persons.begin(), persons.end(), [](const Box& a, const Box& b) { return a.x0 + a.x1 < b.x0 + b.x1; });
  auto owner_name = [&](int k) -> std::string {
    static const char* kOrdinal[] = {"first", "second", "third", "fourth", "fifth"};
    if (persons.size() == 1) return "the person";
    if (persons.size() == 2) return k == 0 ? "the person on the left" : "the person on the right";
    if (k < 5) return std::string("the ") + kOrdinal[k] + " person from the left";
    return "person " + std::to_string(k + 1) + " from the left";
  };
  const bool tag_tiles = c.tagger && !c.config.run.stage_by_stage;
  std::vector<LlmTile> out;
  for (const Tile& t : make_tiles(image, TileOptions{l.grid, l.tile_overlap, l.tile_blur})) {
    LlmTile lt;
    lt.position = t.position;
    if (int k = owner_of(t.box, persons); k >= 0) lt.owner = owner_name(k);
    auto jpeg = llm_jpeg(t.image, it.file, c);
    if (!jpeg) continue;
    lt.jpeg = std::move(*jpeg);
    if (tag_tiles) {
      Tagger& tagger = *c.tagger;
      std::vector<float> tensor(tagger.floats_per_image());
      tagger.prepare_into(t.image, tensor);
      if (auto p = tagger.run(tensor, 1); p && !p->empty()) {
        for (const auto* list : {&(*p)[0].character, &(*p)[0].general}) {
          for (const TagScore& s : *list) {
            std::string name = s.name;
            std::replace(name.begin(), name.end(), '_', ' ');
            lt.tags += (lt.tags.empty() ? "" : ", ") + name;
          }
        }
      }
    }
    out.push_back(std::move(lt));
  }
  return out;
}

// What the LLM was asked and answered, as the caption's result keeps it.
void record_outcome(const LlmCaptionOutcome& o, json& out) {
  json attempts = json::array();
  for (const LlmAttempt& a : o.attempts) {
    json j{{"endpoint", a.endpoint}, {"seed", a.seed}};
    if (!a.caption.empty()) j["caption"] = a.caption;
    if (a.error.empty()) {
      j["overall"] = a.overall;
      j["missing"] = a.missing;
      j["contradicted"] = a.contradicted;
    } else {
      j["error"] = a.error;
    }
    attempts.push_back(std::move(j));
  }
  out["caption"] = o.caption;
  out["source"] = o.from_llm ? "llm" : "tags";
  if (!o.corrected.empty()) {
    json fixes = json::array();
    for (const TagCorrection& t : o.corrected) {
      fixes.push_back({{"tag", t.tag},
                       {"confidence", t.confidence},
                       {"why", fmt::format("contradicted by {} of {} LLM answers", t.contradicted, t.answers)}});
    }
    out["corrected_tags"] = std::move(fixes);
  }
  out["llm"] = {{"attempts", attempts}};
  if (!o.reason.empty()) out["llm"]["reason"] = o.reason;
  if (o.stage2) {
    json tiles = json::array();
    for (const LlmTile& t : o.stage2->tiles) {
      json j{{"position", t.position}};
      if (!t.owner.empty()) j["owner"] = t.owner;
      if (!t.tags.empty()) j["tags"] = t.tags;
      if (t.error.empty()) j["caption"] = t.caption;
      else j["error"] = t.error;
      tiles.push_back(std::move(j));
    }
    out["llm"]["stage2"] = {{"tiles", tiles}, {"caption", o.stage2->caption}, {"overall", o.stage2->overall}};
  }
  if (o.rewrite) {
    json w{{"kept", o.rewrite->kept}};
    if (!o.rewrite->error.empty()) {
      w["error"] = o.rewrite->error;
    } else {
      w["text"] = o.rewrite->text;
      if (!o.rewrite->reapplied.empty()) w["reapplied"] = o.rewrite->reapplied;
      w["overall"] = o.rewrite->overall;
    }
    out["llm"]["rewrite"] = std::move(w);
  }
}

}  // namespace

json llm_caption_result(const StageInput& in, const TagList& tags, std::string deterministic,
                        const CaptionOptions& options, bool* transient) {
  const ItemState& it = in.item;
  const RunContext& c = in.context;
  LlmCaptionItem item;
  item.tags = &tags;
  item.deterministic = std::move(deterministic);
  item.caption_options = options;
  if (const StageResult* t = stage_result(it, kStageTagger)) {  // what only the tagger said, and how sure it was
    const TagList own = parse_tag_list(it.existing_tags, c.engine->db, "sidecar");
    std::set<std::string> input;
    for (size_t k = 0; k < own.tags.size(); ++k) input.insert(std::string(own.name(k, c.engine->db)));
    const json& j = stage_json(*t);
    for (const char* part : {"character", "general"}) {
      for (const auto& [name, p] : j[part].items()) {
        if (!input.count(name)) item.tagger_only[name] = p.get<float>();
      }
    }
  }
  if (const StageResult* n = stage_result(it, kStageNsfw)) item.nsfw = stage_json(*n)["nsfw"].get<double>();
  std::optional<Image8> decoded;
  const Image8* image = in.image;
  if (!image) {
    auto d = decode_image(it.file);
    if (d) decoded = std::move(d->image);
    image = decoded ? &*decoded : nullptr;
  }
  std::string problem;
  if (image) {
    auto jpeg = llm_jpeg(*image, it.file, c);
    if (jpeg) item.image_jpeg = std::move(*jpeg);
    else problem = jpeg.error().message;
  } else {
    problem = "the image does not decode";
  }
  json out{{"caption", item.deterministic}, {"source", "tags"}};
  if (!problem.empty()) {
    out["llm"] = {{"reason", "no LLM caption: " + problem}};
    return out;
  }
  if (c.config.caption.llm.grid >= 2) {
    item.tiles = [&, image] { return tiles_for_llm(it, *image, c); };  // called within caption(), while `image` lives
  }
  const LlmCaptionOutcome o = c.llm->caption(item);
  *transient = o.transient;
  record_outcome(o, out);
  return out;
}

}  // namespace tagforge
