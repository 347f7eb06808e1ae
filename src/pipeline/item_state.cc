#include "pipeline/item_state.h"

#include <algorithm>
#include <set>

#include "pipeline/run_context.h"
#include "tags/normalize.h"
#include "tagforge/score.h"

namespace tagforge {

using json = nlohmann::ordered_json;

const json& stage_json(const StageResult& r) {
  if (!r.parsed) r.parsed = std::make_shared<const json>(json::parse(r.data));
  return *r.parsed;
}

const StageResult* stage_result(const ItemState& it, const char* stage) {
  auto r = it.results.find(stage);
  return r == it.results.end() || !r->second.error.empty() ? nullptr : &r->second;
}

std::vector<std::string> tag_line_entries(std::string_view line) {
  std::vector<std::string> out;
  for (size_t at = 0; at < line.size();) {
    const size_t comma = std::min(line.find(", ", at), line.size());
    out.emplace_back(line.substr(at, comma - at));
    at = comma + 2;
  }
  return out;
}

ReviewEdit review_edit_of(const ItemState& it) {
  auto r = it.results.find(kStageReview);
  return r == it.results.end() ? ReviewEdit{} : parse_review_edit(r->second.data);
}

std::string current_tags(const ItemState& it) {
  if (ReviewEdit edit = review_edit_of(it); edit.tags) return *edit.tags;
  return stage_tags(it);
}

std::string stage_tags(const ItemState& it) {
  const StageResult* check = stage_result(it, kStageCheck);
  std::string text = stage_json(*(check ? check : stage_result(it, kStageTags)))["tags"].get<std::string>();
  const StageResult* caption = stage_result(it, kStageCaption);
  if (!caption) return text;
  const json& c = stage_json(*caption);
  if (!c.contains("corrected_tags")) return text;
  std::set<std::string> dropped;
  for (const json& t : c["corrected_tags"]) dropped.insert(t["tag"].get<std::string>());
  std::string out, name;
  for (const std::string& entry : tag_line_entries(text)) {
    float weight = 1;
    if (normalize_entry(entry, nullptr, name, &weight) == EntryStatus::kOk && dropped.count(name)) {
      continue;
    }
    out.append(out.empty() ? "" : ", ").append(entry);
  }
  return out;
}

std::string stage_caption(const ItemState& it) {
  return stage_json(*stage_result(it, kStageCaption))["caption"].get<std::string>();
}

std::string final_caption(const ItemState& it) {
  if (ReviewEdit edit = review_edit_of(it); edit.caption) return *edit.caption;
  return stage_caption(it);
}

json box_json(const Box& b) { return json::array({b.x0, b.y0, b.x1, b.y1}); }

Box box_from_json(const json& j) {
  return Box{j[0].get<float>(), j[1].get<float>(), j[2].get<float>(), j[3].get<float>()};
}

std::vector<Detection> detections_of(const ItemState& it, int* width, int* height) {
  std::vector<Detection> out;
  if (const StageResult* r = stage_result(it, kStageDetect)) {
    const json& j = stage_json(*r);
    *width = j["width"].get<int>();
    *height = j["height"].get<int>();
    for (const json& d : j["detections"]) {
      out.push_back({d["model"].get<std::string>(), d["label"].get<std::string>(), d["score"].get<float>(),
                     box_from_json(d["box"])});
    }
  }
  return out;
}

std::optional<Aseg> aseg_of(const ItemState& it) {
  int w = 0, h = 0;
  std::vector<Detection> dets = detections_of(it, &w, &h);
  const StageResult* seg = stage_result(it, kStageSegment);
  std::optional<json> mask;
  if (seg) {
    mask = stage_json(*seg);
    w = (*mask)["width"].get<int>();
    h = (*mask)["height"].get<int>();
  }
  if (!stage_result(it, kStageDetect) && !seg) return std::nullopt;
  Aseg aseg = make_aseg(w, h, std::move(dets));
  if (mask) {
    aseg.masks.push_back(AsegMask{(*mask)["model"].get<std::string>(), "subject", (*mask)["area_share"].get<float>(),
                                  box_from_json((*mask)["box"]), (*mask)["file"].get<std::string>()});
  }
  if (const StageResult* check = stage_result(it, kStageCheck)) {
    const json& parsed = stage_json(*check);  // named: a range-for over a temporary's member dangles
    for (const json& k : parsed["checks"]) {
      aseg.checks.push_back({k["what"].get<std::string>(), k["tag"].get<std::string>(),
                             k["measured"].get<std::string>(), k["verdict"].get<std::string>(),
                             k["action"].get<std::string>()});
    }
  }
  return aseg;
}

bool untagged(const ItemState& it) {
  const StageResult* caption = stage_result(it, kStageCaption);
  const bool own_caption = (caption && stage_json(*caption)["source"].get<std::string>() == "sidecar") ||
                           review_edit_of(it).caption.has_value();
  return !own_caption && current_tags(it).empty();
}

bool has_review_mark(std::string_view tag_line, const std::string& review_tag) {
  if (review_tag.empty()) return false;
  return (", " + std::string(tag_line) + ", ").find(", " + review_tag + ", ") != std::string::npos;
}

bool flagged(const ItemState& it, const RunConfig& config) {
  const StageResult* score = stage_result(it, kStageScore);
  if (!score || untagged(it) || review_edit_of(it).approved) return false;
  if (stage_json(*score)["flagged"].get<bool>()) return true;
  // [quality] action = "flag": a still that failed the gate.
  const StageResult* quality = stage_result(it, kStageQuality);
  if (quality && stage_json(*quality).value("flagged", false)) return true;
  return has_review_mark(current_tags(it), config.check.review_tag);
}

}  // namespace tagforge
