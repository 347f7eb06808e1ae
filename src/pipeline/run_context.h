// What every batch of a run shares: the configuration, the folders, the tag
// engine and lexicon, the models (null when not configured or when they
// failed to load), and each one's identity for the fingerprints.
#pragma once

#include <atomic>
#include <map>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "caption/llm_caption.h"
#include "infer/detector.h"
#include "infer/nsfw_classifier.h"
#include "infer/segmenter.h"
#include "infer/tagger.h"
#include "pipeline/stage_options.h"
#include "pipeline/tag_engine.h"
#include "tagforge/lexicon.h"

namespace tagforge {

class StageTimes;

// The names of the per-item stages (their code: stages/, their order: stages/registry.cc).
inline constexpr const char* kStageTagger = "tagger";
inline constexpr const char* kStageDetect = "detect";
inline constexpr const char* kStageSegment = "segment";
inline constexpr const char* kStageNsfw = "nsfw";
inline constexpr const char* kStageHash = "phash";  // perceptual hashes for [dedupe] (no model)
inline constexpr const char* kStageQuality = "quality";  // sharpness, exposure, bars, upscale ([quality])
inline constexpr const char* kStageTags = "tags";
inline constexpr const char* kStageCheck = "check";
inline constexpr const char* kStageCaption = "caption";
inline constexpr const char* kStageScore = "score";

struct RunContext {
  RunConfig config;
  OptionTable table;  // over `config`
  // Each section's key = value text (section_text), made once: the fingerprints use it per item.
  std::map<std::string, std::string> sections;
  const std::string& section(const std::string& name) const {
    static const std::string kNone;
    auto it = sections.find(name);
    return it == sections.end() ? kNone : it->second;
  }
  void index_sections() {
    for (const OptionDef& d : table) sections[d.section] = section_text(table, d.section);
  }
  std::filesystem::path in, out, work;  // in place: all three the same
  bool in_place = false;

  std::unique_ptr<TagEngine> engine;
  std::unique_ptr<Lexicon> lexicon;
  std::string engine_identity, lexicon_identity;  // hashes of the data files

  std::shared_ptr<Tagger> tagger;
  std::vector<std::shared_ptr<Detector>> detectors;
  std::shared_ptr<Segmenter> segmenter;
  std::shared_ptr<NsfwClassifier> nsfw;
  // "name size mtime" of each model's files, per stage.
  std::string tagger_identity, detect_identity, segment_identity, nsfw_identity;
  std::string tagger_thresholds;  // what of [tag] the tagger's output depends on (not the file extension)

  // The vision LLM's captions ([caption.llm]); null when none is configured or it could not be set up.
  std::unique_ptr<LlmCaptioner> llm;
  std::string prompts_identity;  // hash of the prompt templates

  // The stages this pass may compute (stage-by-stage runs one model stage a
  // pass); the rest are taken from the manifest or left for a later pass.
  std::set<std::string> enabled;
  bool write_outputs = true;  // sidecars are written by the pass that has everything
  StageTimes* stage_times = nullptr;  // where the stages' busy time is added up (none: not timed)
};

}  // namespace tagforge
