#include "pipeline/item_stages.h"

#include <sys/stat.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tbb/parallel_for.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "core/atomic_file.h"
#include "core/dir_handles.h"
#include "core/fault_injection.h"
#include "core/fs_ops.h"
#include "core/json_peek.h"
#include "media/decode.h"
#include "media/encode.h"
#include "media/perceptual_hash.h"
#include "pipeline/content_hash.h"
#include "pipeline/export_facts.h"
#include "pipeline/perceptual_hash_result.h"
#include "pipeline/review_edit.h"
#include "pipeline/stage_times.h"
#include "pipeline/tag_checks.h"
#include "tags/normalize.h"
#include "tagforge/caption.h"
#include "tagforge/score.h"
#include "vision/aseg.h"
#include "vision/box_mask.h"
#include "vision/part_regions.h"
#include "vision/tiles.h"

namespace tagforge {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

constexpr const char* kVersion = "1";  // bump when a stage's computation changes

}  // namespace

std::string stage_fingerprint(std::initializer_list<std::string_view> parts) {
  std::string joined = kVersion;
  for (std::string_view p : parts) joined.append("\x1f").append(p);
  return hash_bytes(joined);
}

namespace {

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json box_json(const Box& b) { return json::array({b.x0, b.y0, b.x1, b.y1}); }
Box box_from(const json& j) { return Box{j[0].get<float>(), j[1].get<float>(), j[2].get<float>(), j[3].get<float>()}; }

// The stages that read the image alone: they run at once (run_pixel_stages).
bool is_image_stage(const std::string& s) {
  return s == kStageTagger || s == kStageDetect || s == kStageSegment || s == kStageNsfw || s == kStageHash;
}

// The stages that read the pixels.
bool is_pixel_stage(const std::string& s) { return is_image_stage(s) || s == kStageCheck; }


// What one item needs this pass.
struct Plan {
  std::map<std::string, std::string> fp;  // the stages that apply -> their fingerprints
  std::set<std::string> todo;             // to compute now
};

// The stages each stage reads.
std::vector<const char*> inputs_of(const std::string& stage, const RunContext& c) {
  if (stage == kStageTags) return {kStageTagger};
  if (stage == kStageCheck) return {kStageTags, kStageDetect, kStageSegment};
  if (stage == kStageCaption && c.llm) return {kStageTags, kStageCheck, kStageNsfw};  // the NSFW score routes it
  if (stage == kStageCaption) return {kStageTags, kStageCheck};
  if (stage == kStageScore) return {kStageCaption, kStageTags, kStageCheck, kStageDetect};
  return {};
}

Plan plan_item(const ItemState& it, const std::map<std::string, StageResult>& cached, const RunContext& c) {
  Plan p;
  const std::string& h = it.item.hash;
  if (c.tagger) p.fp[kStageTagger] = stage_fingerprint({kStageTagger, h, c.tagger_identity, c.tagger_thresholds});
  if (!c.detectors.empty()) p.fp[kStageDetect] = stage_fingerprint({kStageDetect, h, c.detect_identity});
  if (c.segmenter) p.fp[kStageSegment] = stage_fingerprint({kStageSegment, h, c.segment_identity});
  if (c.nsfw) p.fp[kStageNsfw] = stage_fingerprint({kStageNsfw, h, c.nsfw_identity});
  if (c.config.dedupe.near_copies) p.fp[kStageHash] = stage_fingerprint({kStageHash, h});
  auto fp_of = [&](const char* s) { return p.fp.count(s) ? p.fp[s] : std::string(); };
  p.fp[kStageTags] = stage_fingerprint({kStageTags, fp_of(kStageTagger), hash_bytes(it.existing_tags), c.engine_identity});
  if (p.fp.count(kStageDetect) || p.fp.count(kStageSegment)) {
    p.fp[kStageCheck] = stage_fingerprint({kStageCheck, h, p.fp[kStageTags], fp_of(kStageDetect), fp_of(kStageSegment),
                                     c.section("check")});
  }
  // A person's edits (the review row) stand in for the tags and the caption they replace.
  ReviewEdit edit;
  if (auto r = cached.find(kStageReview); r != cached.end()) edit = parse_review_edit(r->second.data);
  const std::string edited_tags = edit.tags ? "edited " + hash_bytes(*edit.tags) : "";
  const std::string edited_caption = edit.caption ? "edited " + hash_bytes(*edit.caption) : "";
  // The caption is made from the stages' tags, not a person's: editing tags never rewrites it.
  const std::string tags_fp = p.fp.count(kStageCheck) ? p.fp[kStageCheck] : p.fp[kStageTags];
  // An LLM's caption also depends on the prompts, and on the NSFW score that routes it.
  p.fp[kStageCaption] = stage_fingerprint({kStageCaption, tags_fp, c.section("caption"), c.lexicon_identity,
                                     it.existing_caption ? hash_bytes(*it.existing_caption) : "generated",
                                     c.llm ? c.prompts_identity + fp_of(kStageNsfw) : ""});
  p.fp[kStageScore] = stage_fingerprint({kStageScore, p.fp[kStageCaption] + edited_caption, tags_fp + edited_tags,
                                   fp_of(kStageDetect), c.section("score"), c.section("caption")});
  std::set<std::string> retried;  // computed again with the same fingerprint
  for (const auto& [stage, f] : p.fp) {
    auto hit = cached.find(stage);
    const bool same = hit != cached.end() && hit->second.fingerprint == f;
    const bool retry = same && must_retry(hit->second, c.config.run);
    if ((!same || retry) && c.enabled.count(stage)) p.todo.insert(stage);
    if (retry && c.enabled.count(stage)) retried.insert(stage);
  }
  // A retried stage may come out otherwise this time, yet what reads it sees the same fingerprint:
  // it is computed again too (kItemStages is in the order the stages read each other).
  for (const char* stage : kItemStages) {
    if (retried.count(stage) || !p.fp.count(stage) || !c.enabled.count(stage)) continue;
    for (const char* in : inputs_of(stage, c)) {
      if (retried.count(in)) {
        p.todo.insert(stage);
        retried.insert(stage);
        break;
      }
    }
  }
  return p;
}

}  // namespace

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

namespace {

std::vector<Detection> detections_of(const ItemState& it, int* width, int* height) {
  std::vector<Detection> out;
  if (const StageResult* r = stage_result(it, kStageDetect)) {
    const json& j = stage_json(*r);
    *width = j["width"].get<int>();
    *height = j["height"].get<int>();
    for (const json& d : j["detections"]) {
      out.push_back({d["model"].get<std::string>(), d["label"].get<std::string>(), d["score"].get<float>(),
                     box_from(d["box"])});
    }
  }
  return out;
}

// The item's .aseg as the results say: detections, the mask, the checks.
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
                                  box_from((*mask)["box"]), (*mask)["file"].get<std::string>()});
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

}  // namespace

fs::path sidecar_path(const fs::path& image, const std::string& extension) {
  fs::path p = image;
  p.replace_extension(extension);
  return p;
}

namespace {

fs::path mask_path(const fs::path& image) { return image.parent_path() / (image.stem().string() + ".mask.png"); }

// Writes `text` unless the file already holds exactly it; `*changed` says whether it did.
Status write_if_changed(const fs::path& file, const std::string& text, bool* changed = nullptr) {
  if (file_holds(file, text)) return ok_status();
  crash_point();
  Status st = write_file_atomic(file, text, Overwrite::kReplace);
  crash_point();
  if (changed) *changed = st.ok();
  return st;
}

class BatchRunner {
 public:
  BatchRunner(std::vector<ItemState>& batch, const RunContext& c) : batch_(batch), c_(c), plans_(batch.size()) {}

  void run(std::span<const std::map<std::string, StageResult>> cached) {
    cached_ = cached;
    for (size_t i = 0; i < batch_.size(); ++i) {
      plans_[i] = plan_item(batch_[i], cached[i], c_);
      for (const auto& [stage, f] : plans_[i].fp) {
        auto hit = cached[i].find(stage);
        if (!plans_[i].todo.count(stage) && hit != cached[i].end() && hit->second.fingerprint == f &&
            (hit->second.error.empty() || !must_retry(hit->second, c_.config.run))) {
          batch_[i].results[stage] = hit->second;
          batch_[i].reused.push_back(stage);
          if (!hit->second.error.empty()) batch_[i].errors[stage] = hit->second.error;  // final: kept as failed
        }
      }
      if (auto edit = cached[i].find(kStageReview); edit != cached[i].end()) batch_[i].results[kStageReview] = edit->second;
    }
    decode_where_needed();
    run_pixel_stages();
    auto stages = [&](size_t i, bool before_caption) {
      bool past = false;
      for (const char* stage : kItemStages) {
        past |= std::string(stage) == kStageCaption;
        if (past == before_caption || is_image_stage(stage) || !plans_[i].todo.count(stage)) continue;
        if (c_.llm && std::string(stage) == kStageCaption) continue;  // asked for the whole batch at once
        compute(i, stage);
      }
    };
    for (size_t i = 0; i < batch_.size(); ++i) stages(i, true);
    // Captions may wait on a server: the batch's requests go out together (each
    // endpoint keeps its own limit), not one after another.
    if (c_.llm) {
      std::vector<std::thread> askers;
      for (size_t i = 0; i < batch_.size(); ++i) {
        if (plans_[i].todo.count(kStageCaption)) askers.emplace_back([this, i] { compute(i, kStageCaption); });
      }
      for (std::thread& t : askers) t.join();
    }
    for (size_t i = 0; i < batch_.size(); ++i) {
      stages(i, false);
      if (c_.write_outputs) write_sidecars(i);
    }
  }

 private:
  // A failure is transient unless it is the item's own (its image does not decode):
  // the next run computes it again (StageResult::retry).
  void fail(size_t i, const std::string& stage, const std::string& message, bool transient = true) {
    std::lock_guard lock(locks_[i]);  // the image stages of one item may finish at once
    batch_[i].errors[stage] = message;
    batch_[i].results[stage] = StageResult{plans_[i].fp[stage], "", message, transient ? retries(i, stage) : 0};
    batch_[i].computed.push_back(stage);
  }
  // `fallback`: the result stands in for a better one a transient fault kept away.
  void done(size_t i, const std::string& stage, std::string data, bool fallback = false) {
    std::lock_guard lock(locks_[i]);
    batch_[i].results[stage] = StageResult{plans_[i].fp[stage], std::move(data), "", fallback ? retries(i, stage) : 0};
    batch_[i].computed.push_back(stage);
  }
  // This run's count of runs in a row that fell back or failed transiently on the stage.
  int retries(size_t i, const std::string& stage) const {
    auto hit = cached_[i].find(stage);
    const bool same = hit != cached_[i].end() && hit->second.fingerprint == plans_[i].fp.at(stage);
    return same && hit->second.retry > 0 ? hit->second.retry + 1 : 1;
  }
  // Whether every input the stage reads is there; records why not.
  bool inputs_ready(size_t i, const std::string& stage) {
    for (const char* in : inputs_of(stage, c_)) {
      if (!plans_[i].fp.count(in) || stage_result(batch_[i], in)) continue;
      batch_[i].errors[stage] = fmt::format("waits for {}", in);
      return false;
    }
    return true;
  }

  // The batch's images decoded at once, each by one of the run's threads.
  void decode_where_needed() {
    images_.resize(batch_.size());
    tbb::parallel_for(size_t(0), batch_.size(), [this](size_t i) {
      bool wanted = false;
      for (const std::string& s : plans_[i].todo) wanted |= is_pixel_stage(s);
      if (!wanted) return;
      auto d = decode_image(batch_[i].file);
      if (!d) {
        for (const std::string& s : plans_[i].todo) {
          if (is_pixel_stage(s)) fail(i, s, d.error().message, /*transient=*/false);
        }
        batch_[i].errors["decode"] = d.error().to_string();
        return;
      }
      images_[i] = std::move(d->image);
    });
  }

  // The stages that read the image alone (the models, the hashes) all at once: the tagger's
  // one call for the batch beside one task per item and stage, on the run's threads (oneTBB
  // takes them as threads come free, so no model's session waits while another's queue is
  // long; each session computes on the thread that calls it, see run.cc's thread split).
  void run_pixel_stages() {
    std::vector<size_t> before(batch_.size());
    for (size_t i = 0; i < batch_.size(); ++i) before[i] = batch_[i].computed.size();
    tbb::task_group tasks;
    tasks.run([this] { timed(kStageTagger, [this] { return run_tagger(); }); });
    for (size_t i = 0; i < batch_.size(); ++i) {
      for (const char* stage : {kStageDetect, kStageSegment, kStageNsfw, kStageHash}) {
        if (!plans_[i].todo.count(stage)) continue;
        tasks.run([this, i, stage] {
          timed(stage, [&] {
            compute(i, stage);
            return images_[i] ? size_t(1) : size_t(0);
          });
        });
      }
    }
    tasks.wait();
    // They finished in any order: the record lists them in their own, as one after another would.
    for (size_t i = 0; i < batch_.size(); ++i) {
      std::vector<std::string>& computed = batch_[i].computed;
      std::stable_sort(computed.begin() + ptrdiff_t(before[i]), computed.end(),
                       [](const std::string& a, const std::string& b) { return item_stage_index(a) < item_stage_index(b); });
    }
  }

  // Runs `work` (which returns how many images it computed) and adds its time to the stage's.
  template <typename Work>
  void timed(const char* stage, Work&& work) {
    const auto t0 = std::chrono::steady_clock::now();
    const size_t images = work();
    if (c_.stage_times && images > 0) {
      c_.stage_times->add(stage, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), images);
    }
  }

  // Returns how many images it tagged.
  size_t run_tagger() {
    std::vector<size_t> who;
    for (size_t i = 0; i < batch_.size(); ++i) {
      if (plans_[i].todo.count(kStageTagger) && images_[i]) who.push_back(i);
    }
    if (who.empty()) return 0;
    Tagger& t = *c_.tagger;
    std::vector<float> tensor(t.floats_per_image() * who.size());
    for (size_t k = 0; k < who.size(); ++k) {
      t.prepare_into(*images_[who[k]], std::span<float>(tensor).subspan(k * t.floats_per_image(), t.floats_per_image()));
    }
    auto predictions = t.run(tensor, int(who.size()));
    for (size_t k = 0; k < who.size(); ++k) {
      if (!predictions) {
        fail(who[k], kStageTagger, predictions.error().to_string());
        continue;
      }
      const TagPrediction& p = (*predictions)[k];
      auto scores = [](const std::vector<TagScore>& list) {
        json j = json::object();
        for (const TagScore& s : list) j[s.name] = s.probability;
        return j;
      };
      done(who[k], kStageTagger,
           dump(json{{"rating", scores(p.rating)}, {"general", scores(p.general)}, {"character", scores(p.character)}}));
    }
    return who.size();
  }

  void compute(size_t i, const std::string& stage) {
    ItemState& it = batch_[i];
    if (!inputs_ready(i, stage)) return;
    if (is_pixel_stage(stage) && !images_[i]) return;  // the decode failed: recorded
    const Image8* image = images_[i] ? &*images_[i] : nullptr;
    if (stage == kStageDetect) {
      json dets = json::array();
      for (const auto& d : c_.detectors) {
        auto found = d->detect(*image, image->width, image->height);
        if (!found) return fail(i, stage, found.error().to_string());
        for (const Detection& x : *found) {
          dets.push_back({{"model", x.model}, {"label", x.label}, {"score", x.score}, {"box", box_json(x.box)}});
        }
      }
      return done(i, stage, dump(json{{"width", image->width}, {"height", image->height}, {"detections", dets}}));
    }
    if (stage == kStageSegment) {
      auto mask = c_.segmenter->segment(*image);
      if (!mask) return fail(i, stage, mask.error().to_string());
      const fs::path file = mask_path(it.file);
      if (Status st = write_if_changed(file, mask_png(*mask)); !st.ok()) return fail(i, stage, st.error().to_string());
      const MaskCoverage cover = measure_mask(*mask);
      return done(i, stage,
                  dump(json{{"model", c_.segmenter->profile().name}, {"width", image->width},
                            {"height", image->height}, {"area_share", cover.area_share}, {"box", box_json(cover.box)},
                            {"file", file.filename().string()}}));
    }
    if (stage == kStageNsfw) {
      auto scores = c_.nsfw->classify(*image);
      if (!scores) return fail(i, stage, scores.error().to_string());
      json classes = json::object();
      for (const auto& [name, p] : scores->classes) classes[name] = p;
      return done(i, stage, dump(json{{"classes", classes}, {"nsfw", scores->nsfw}}));
    }
    if (stage == kStageHash) return done(i, stage, perceptual_hash_data(*image));
    if (stage == kStageTags) {
      std::vector<std::pair<std::string, float>> predicted;
      std::string source = "tagger";
      if (const StageResult* t = stage_result(it, kStageTagger)) {
        const json& j = stage_json(*t);
        for (const char* part : {"character", "general"}) {
          for (const auto& [name, p] : j[part].items()) predicted.emplace_back(name, p.get<float>());
        }
        source = c_.tagger->profile().name;
      }
      const TagList merged = merge_with_tagger(it.existing_tags, predicted, source, *c_.engine);
      json data{{"tags", format_tags(merged, c_.engine->db, FormatOptions{})}};
      if (!it.existing_tags.empty()) data["own"] = it.existing_tags;  // the input's, for whoever reads the row alone
      return done(i, stage, dump(data));
    }
    if (stage == kStageCheck) {
      std::optional<Aseg> aseg = aseg_of(it);
      std::optional<Image8> subject;
      for (const AsegMask& m : aseg->masks) {
        auto d = decode_image(it.file.parent_path() / m.file);
        if (d && d->image.channels == 1) subject = std::move(d->image);
      }
      if (image->width != aseg->image_width || image->height != aseg->image_height) {
        return fail(i, stage, "the detections are for an image of another size");
      }
      const auto hair = measure_hair(*image, *aseg, subject ? &*subject : nullptr);
      const auto eyes = measure_eyes(*image, *aseg);
      const TagList list = parse_tag_list(stage_json(*stage_result(it, kStageTags))["tags"].get<std::string>(),
                                          c_.engine->db, "sidecar");
      std::vector<std::string> tags;
      for (size_t k = 0; k < list.tags.size(); ++k) tags.emplace_back(list.name(k, c_.engine->db));
      const FixPolicy policy = c_.config.check.fix == "none"      ? FixPolicy::kNone
                               : c_.config.check.fix == "replace" ? FixPolicy::kReplace
                                                                  : FixPolicy::kFlag;
      TagCheckOutcome out = check_tags_against_pixels(tags, *aseg, hair, policy, c_.config.check.review_tag, eyes);
      std::string joined;
      for (const std::string& s : out.tags) joined += (joined.empty() ? "" : ", ") + s;
      json checks = json::array();
      for (const AsegCheck& k : out.checks) {
        checks.push_back({{"what", k.what}, {"tag", k.tag}, {"measured", k.measured}, {"verdict", k.verdict},
                          {"action", k.action}});
      }
      return done(i, stage,
                  dump(json{{"checks", checks},
                            {"tags", format_tags(parse_tag_list(joined, c_.engine->db, "sidecar"), c_.engine->db,
                                                 FormatOptions{})},
                            {"changed", out.changed}}));
    }
    if (stage == kStageCaption) {
      if (it.existing_caption) return done(i, stage, dump(json{{"caption", *it.existing_caption}, {"source", "sidecar"}}));
      const TagList list = parse_tag_list(stage_tags(it), c_.engine->db, "sidecar");
      CaptionOptions opt;
      opt.trigger = c_.config.caption.trigger;
      opt.artist = c_.config.caption.artist;
      opt.keep_unknown = c_.config.caption.keep_unknown;
      std::string caption = caption_from_tags(list, c_.engine->db, *c_.lexicon, opt);
      if (!c_.llm) return done(i, stage, dump(json{{"caption", caption}, {"source", "tags"}}));
      bool fell_back = false;
      json answer = llm_caption(i, list, std::move(caption), opt, &fell_back);
      return done(i, stage, dump(answer), fell_back);
    }
    if (stage == kStageScore) return done(i, stage, score_result_data(it, c_));
  }

  // An image as the LLM is sent it: the long side at most [caption.llm] image_side, as JPEG.
  Result<std::string> llm_jpeg(const Image8& image, const fs::path& name) const {
    return encode_jpeg_within(image, c_.config.caption.llm.image_side, 90, name);
  }

  // Stage 2's tiles: each with its JPEG, its own tags when the tagger is at hand (not stage by
  // stage, where it is unloaded by now), and the person whose box owns it.
  std::vector<LlmTile> tiles_for_llm(const ItemState& it, const Image8& image) const {
    const LlmCaptionConfig& l = c_.config.caption.llm;
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
    const bool tag_tiles = c_.tagger && !c_.config.run.stage_by_stage;
    std::vector<LlmTile> out;
    for (const Tile& t : make_tiles(image, TileOptions{l.grid, l.tile_overlap, l.tile_blur})) {
      LlmTile lt;
      lt.position = t.position;
      if (int k = owner_of(t.box, persons); k >= 0) lt.owner = owner_name(k);
      auto jpeg = llm_jpeg(t.image, it.file);
      if (!jpeg) continue;
      lt.jpeg = std::move(*jpeg);
      if (tag_tiles) {
        Tagger& tagger = *c_.tagger;
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

  // The vision LLM's caption (with the deterministic one to fall back on) and how it came about.
  // `*transient`: the outcome is a fallback a later run may better (LlmCaptionOutcome::transient).
  json llm_caption(size_t i, const TagList& tags, std::string deterministic, const CaptionOptions& options,
                   bool* transient) {
    ItemState& it = batch_[i];
    LlmCaptionItem item;
    item.tags = &tags;
    item.deterministic = std::move(deterministic);
    item.caption_options = options;
    if (const StageResult* t = stage_result(it, kStageTagger)) {  // what only the tagger said, and how sure it was
      const TagList own = parse_tag_list(it.existing_tags, c_.engine->db, "sidecar");
      std::set<std::string> input;
      for (size_t k = 0; k < own.tags.size(); ++k) input.insert(std::string(own.name(k, c_.engine->db)));
      const json& j = stage_json(*t);
      for (const char* part : {"character", "general"}) {
        for (const auto& [name, p] : j[part].items()) {
          if (!input.count(name)) item.tagger_only[name] = p.get<float>();
        }
      }
    }
    if (const StageResult* n = stage_result(it, kStageNsfw)) item.nsfw = stage_json(*n)["nsfw"].get<double>();
    std::optional<Image8> decoded;
    const Image8* image = images_[i] ? &*images_[i] : nullptr;
    if (!image) {
      auto d = decode_image(it.file);
      if (d) decoded = std::move(d->image);
      image = decoded ? &*decoded : nullptr;
    }
    std::string problem;
    if (image) {
      auto jpeg = llm_jpeg(*image, it.file);
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
    if (c_.config.caption.llm.grid >= 2) {
      item.tiles = [&, image] { return tiles_for_llm(it, *image); };  // called within caption(), while `image` lives
    }
    const LlmCaptionOutcome o = c_.llm->caption(item);
    *transient = o.transient;
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
    return out;
  }

  void write_sidecars(size_t i) {
    ItemState& it = batch_[i];
    // Not written: the export's facts are still those of this run's results, never an earlier
    // run's (the manifest may still hold them), and the item is not in the metadata files.
    auto unwritten = [&] {
      ExportFacts facts = export_facts_of(it, c_.config);
      facts.complete = false;
      facts.kohya_entry.clear();
      facts.hf_fields.clear();
      it.exports = StageResult{"unwritten", encode_export_facts(facts), "", 0};
      it.exports_made = true;
    };
    for (const auto& [stage, f] : plans_[i].fp) {
      if (!stage_result(it, stage.c_str())) return unwritten();  // not everything is there: nothing is written
    }
    // Written from the same results and options, and not touched since: nothing to read or write.
    const std::string key = sidecar_key(it, c_);
    auto record = cached_[i].find(kSidecarsRecord);
    // The batch's items share a few folders: each is opened once a batch, not once an item.
    const int folder = folders_.get(split_parent(it.item.path).first);
    const bool written = record != cached_[i].end() && record->second.fingerprint == key &&
                         record->second.data == sidecar_stamps(it, c_.config, folder);
    if (!written) {
      if (auto st = write_item_sidecars(it, c_.config); !st.ok()) {
        it.errors["write"] = st.error().to_string();
        return unwritten();
      }
      it.sidecars = StageResult{key, sidecar_stamps(it, c_.config, folder), "", 0};
    }
    // The export's facts, made here from the results at hand, once for this key.
    auto facts = cached_[i].find(kExportsRecord);
    if (facts == cached_[i].end() || facts->second.fingerprint != key) {
      it.exports = StageResult{key, encode_export_facts(export_facts_of(it, c_.config)), "", 0};
      it.exports_made = true;
    } else {
      it.exports = facts->second;
    }
  }

  std::vector<ItemState>& batch_;
  const RunContext& c_;
  std::vector<Plan> plans_;
  std::vector<std::optional<Image8>> images_;
  std::unique_ptr<std::mutex[]> locks_{new std::mutex[batch_.size()]};  // one an item: its results
  DirHandles folders_{c_.work};  // the items' folders, for write_sidecars' stamps
  std::span<const std::map<std::string, StageResult>> cached_;  // run()'s
};

}  // namespace

std::string score_result_data(const ItemState& it, const RunContext& c) {
  const TagList list = parse_tag_list(current_tags(it), c.engine->db, "sidecar");
  const ScoreOptions opt = score_options_of(c.config);
  std::optional<Detections> found;
  if (stage_result(it, kStageDetect)) {
    int w = 0, h = 0;
    found.emplace();
    found->persons = found->faces = 0;
    for (const Detection& d : detections_of(it, &w, &h)) {
      found->persons += d.label == "person";
      found->faces += d.label == "face";
      found->parts.push_back(d.label);
    }
  }
  const CaptionScore s = score_caption(final_caption(it), list, c.engine->db, *c.lexicon, opt, found ? &*found : nullptr);
  return dump(json{{"tag_inclusion", s.tag_inclusion},
                   {"english_similarity", s.english_similarity},
                   {"segmentation", s.segmentation ? json(*s.segmentation) : json(nullptr)},
                   {"overall", s.overall},
                   {"missing", s.missing},
                   {"contradicted", s.contradicted},
                   {"extra", s.extra},
                   {"quality_tags", s.quality_tags},
                   {"flagged", s.flagged}});
}

bool must_retry(const StageResult& r, const RunSection& run) {
  if (!r.error.empty()) return r.retry > 0 || run.retry_failed;
  return r.retry > 0 && !run.accept_fallbacks && r.retry < run.fallback_runs;
}

bool falls_back(const ItemState& it, const RunSection& run) {
  return std::any_of(it.results.begin(), it.results.end(),
                     [&](const auto& r) { return r.second.error.empty() && must_retry(r.second, run); });
}

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
  return has_review_mark(current_tags(it), config.check.review_tag);
}

std::string final_tag_text(const ItemState& it, const RunConfig& config) {
  std::string text = current_tags(it);
  if (untagged(it)) return "";  // no quality tags on nothing
  std::set<std::string> present;
  for (std::string& tag : tag_line_entries(text)) present.insert(std::move(tag));
  auto add = [&](const std::string& tag) {
    if (!present.insert(tag).second) return;
    text += (text.empty() ? "" : ", ") + tag;
  };
  if (config.score.quality_tags) {
    if (review_edit_of(it).approved) {
      for (const std::string& q : approved_quality_tags()) add(q);
    } else {
      const json& score = stage_json(*stage_result(it, kStageScore));
      for (const json& q : score["quality_tags"]) add(q.get<std::string>());
    }
  }
  if (flagged(it, config)) add(config.check.review_tag);
  return text;
}

Result<std::vector<fs::path>> write_item_sidecars(const ItemState& it, const RunConfig& cfg) {
  std::vector<fs::path> changed;
  // An item with no tags and no caption keeps no tag or caption file (one
  // left by an earlier run goes), so the buckets file it under missing_tags.
  auto write_or_remove = [&](const fs::path& file, const std::string& text) -> Status {
    bool wrote = false;
    if (!text.empty()) {
      TF_RETURN_IF_ERROR(write_if_changed(file, text, &wrote));
      if (wrote) changed.push_back(file);
      return ok_status();
    }
    std::error_code ec;
    if (fs::remove(file, ec)) changed.push_back(file);
    return ok_status();
  };
  TF_RETURN_IF_ERROR(write_or_remove(sidecar_path(it.file, cfg.tag.extension), final_tag_text(it, cfg)));
  TF_RETURN_IF_ERROR(write_or_remove(sidecar_path(it.file, cfg.caption.extension), final_caption(it)));
  if (std::optional<Aseg> aseg = aseg_of(it)) {
    bool wrote = false;
    TF_RETURN_IF_ERROR(write_if_changed(aseg_path_for(it.file), format_aseg(*aseg), &wrote));
    if (wrote) changed.push_back(aseg_path_for(it.file));
  }
  return changed;
}

namespace {

void add_field(ContentHasher& h, std::string_view bytes) {
  const uint64_t size = bytes.size();
  h.add(std::string_view(reinterpret_cast<const char*>(&size), sizeof size));
  h.add(bytes);
}

}  // namespace

std::string sidecar_key(const ItemState& it, const RunContext& c) {
  ContentHasher h;
  for (const auto& [stage, r] : it.results) {  // in stage order
    const std::string retry = std::to_string(r.retry);
    for (std::string_view field : {std::string_view(stage), std::string_view(r.fingerprint), std::string_view(r.data),
                                   std::string_view(r.error), std::string_view(retry)}) {
      add_field(h, field);
    }
  }
  for (const auto& [name, text] : c.sections) add_field(h, name), add_field(h, text);
  add_field(h, c.engine_identity);
  add_field(h, c.lexicon_identity);
  add_field(h, it.file.native());
  return h.hex();
}

std::string sidecar_stamps(const ItemState& it, const RunConfig& cfg, int folder) {
  // From the folder's handle, its path is not walked once a file (a million items: three
  // million walks); without one (a folder DirHandles does not open), by path.
  std::string out;
  for (const fs::path& file : {sidecar_path(it.file, cfg.tag.extension), sidecar_path(it.file, cfg.caption.extension),
                               aseg_path_for(it.file)}) {
    struct stat st {};
    const bool there = folder >= 0 ? ::fstatat(folder, file.filename().c_str(), &st, 0) == 0
                                   : ::stat(file.c_str(), &st) == 0;
    out += there ? stamp_text(stamp_of(st)) : std::string("-");
    out += ' ';
  }
  return out;
}

namespace {

ItemState item_of(const ManifestItem& item, std::vector<std::pair<std::string, StageResult>>& rows,
                  const RunContext& c) {
  ItemState it;
  it.item = item;
  it.file = c.work / item.path;
  for (auto& [stage, r] : rows) {  // the records of files and facts are not results
    if (stage == kExportsRecord) {
      it.exports = std::move(r);
    } else if (stage != kSidecarsRecord) {
      it.results[stage] = std::move(r);
    }
  }
  if (const StageResult* tags = stage_result(it, kStageTags)) {
    if (const auto own = peek_string(tags->data, "own")) it.existing_tags = *own;
  }
  return it;
}

}  // namespace

Result<ItemState> load_item(Manifest& m, const ManifestItem& item, const RunContext& c) {
  auto rows = m.results(item.path);
  if (!rows) return rows.error();
  return item_of(item, *rows, c);
}

Result<ItemState> load_item(Manifest::ResultsInOrder& results, const ManifestItem& item, const RunContext& c) {
  auto rows = results.of(item.path);
  if (!rows) return rows.error();
  return item_of(item, *rows, c);
}

ScoreOptions score_options_of(const RunConfig& config) {
  ScoreOptions opt;
  opt.caption.trigger = config.caption.trigger;
  opt.caption.artist = config.caption.artist;
  opt.flag_below = config.score.flag_below;
  opt.quality_tags = config.score.quality_tags;
  return opt;
}

void process_batch(std::vector<ItemState>& batch, std::span<const std::map<std::string, StageResult>> cached,
                   const RunContext& context) {
  BatchRunner(batch, context).run(cached);
}

}  // namespace tagforge
