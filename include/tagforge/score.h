// How well a caption agrees with the tags of its image, each metric in
// [0,1], with the facts it missed or contradicted (so that a loopback can
// ask for them), and the quality tags that follow from the overall score.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tagforge/caption.h"
#include "tagforge/lexicon.h"
#include "tagforge/tags.h"

namespace tagforge {

// What detectors found (the models issues fill this); absent fields are -1
// or empty and are not scored.
struct Detections {
  int persons = -1;
  int faces = -1;
  std::vector<std::string> parts;  // labels found: "hand", "face", …
};

// One band of the overall score: its tag, given from `min` up (to the next band).
struct QualityBand {
  double min = 0;
  std::string tag;
};

struct ScoreOptions {
  CaptionOptions caption;  // the deterministic caption's trigger and artist words count as known
  double auto_cap = 0.95;  // automatic scores never reach 1: the best is accuracy_90
  double flag_below = 0.40;
  bool quality_tags = true;
  // Highest first. Parsed from "auto_best_caption=0.9,auto_good_caption=0.75,…" by parse_quality_bands.
  std::vector<QualityBand> bands = {{0.9, "auto_best_caption"},
                                    {0.75, "auto_good_caption"},
                                    {0.6, "auto_okay_caption"},
                                    {0.4, "auto_bad_caption"},
                                    {0.0, "auto_worst_caption"}};
  std::string accuracy_prefix = "accuracy_";  // accuracy_10 … accuracy_90; empty: none
};

// "name=min,name=min,…" -> bands, highest first; an error names the bad part.
Result<std::vector<QualityBand>> parse_quality_bands(std::string_view spec);

// tag_inclusion: the share of facts (tags with a role, characters, series,
// unknown tags) whose English or a synonym the caption contains.
// english_similarity: the F1 of the role-weighted share of facts mentioned
// and the share of the caption's words the deterministic caption of the
// same tags could use (its facts' English and synonyms, the grammar's own
// words), minus 0.25 per contradiction. overall: the mean of the metrics
// present, capped at auto_cap.
struct CaptionScore {
  double tag_inclusion = 0;
  double english_similarity = 0;
  std::optional<double> segmentation;  // none without detections
  double overall = 0;
  std::vector<std::string> missing;       // tags whose English the caption lacks
  std::vector<std::string> contradicted;  // "caption: 'a pink dress'; tags: red_dress"
  std::vector<std::string> extra;         // caption words no tag accounts for (invented details?)
  std::vector<std::string> quality_tags;  // auto_good_caption, accuracy_70, …
  bool flagged = false;                   // below ScoreOptions::flag_below: a person should look
};

// REQUIRES: `lexicon` was loaded with `db`; `tags` parsed against `db`.
CaptionScore score_caption(std::string_view caption, const TagList& tags, const TagDb& db, const Lexicon& lexicon,
                           const ScoreOptions& options, const Detections* detections = nullptr);

// The quality tags of an overall score: the band's tag (by default
// auto_best_caption >= 0.9, auto_good_caption >= 0.75, auto_okay_caption >=
// 0.6, auto_bad_caption >= 0.4, auto_worst_caption) and accuracy_N for
// N = floor(10 x score) x 10 in 10…90.
std::vector<std::string> quality_tags_for(double overall, const ScoreOptions& options = {});
// The tag `tagforge score --write` adds to a flagged image's tag file, and
// `tagforge sort` sends to review_N buckets.
inline constexpr std::string_view kReviewTag = "needs_review";

// What a person's approval gives a caption.
std::vector<std::string> approved_quality_tags();
// Quality tags are recognised (to replace old ones) by these names: the
// bands' tags, accuracy_*, auto_*_caption, needs_review.
bool is_quality_tag(std::string_view tag, const ScoreOptions& options = {});

}  // namespace tagforge
