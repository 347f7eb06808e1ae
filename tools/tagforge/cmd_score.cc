// `tagforge score`: how well a caption agrees with tags. One pair:
// --tags T --caption C; or a folder: every image with both a tag sidecar and
// a caption sidecar, with --write writing the quality tags into the tag file.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "commands.h"
#include "core/atomic_file.h"
#include "core/fs_ops.h"
#include "tag_engine.h"
#include "tagforge/path_text.h"
#include "tagforge/scan.h"
#include "tagforge/score.h"

namespace tagforge::cli {
namespace {

struct Args {
  std::string tags, caption, dir, bands, accuracy_prefix = "accuracy_";
  bool json = false, write = false, no_quality_tags = false;
  double flag_below = 0.40;
  TagEngineFlags engine;
};

nlohmann::json score_json(const CaptionScore& s) {
  nlohmann::json j;
  j["tag_inclusion"] = s.tag_inclusion;
  j["english_similarity"] = s.english_similarity;
  j["segmentation"] = s.segmentation ? nlohmann::json(*s.segmentation) : nlohmann::json(nullptr);
  j["overall"] = s.overall;
  j["missing"] = s.missing;
  j["contradicted"] = s.contradicted;
  j["extra"] = s.extra;
  j["quality_tags"] = s.quality_tags;
  j["flagged"] = s.flagged;
  return j;
}

void print_text(const CaptionScore& s) {
  std::printf("tag_inclusion       %.3f\n", s.tag_inclusion);
  std::printf("english_similarity  %.3f\n", s.english_similarity);
  if (s.segmentation) std::printf("segmentation        %.3f\n", *s.segmentation);
  else std::printf("segmentation        (no detections)\n");
  std::printf("overall             %.3f%s\n", s.overall, s.flagged ? "  (flagged for review)" : "");
  auto list = [](const char* what, const std::vector<std::string>& v) {
    if (v.empty()) return;
    std::printf("%-19s", what);
    for (size_t i = 0; i < v.size(); ++i) std::printf("%s%s", i ? ", " : " ", printable_path(v[i]).c_str());
    std::printf("\n");
  };
  list("missing", s.missing);
  list("contradicted", s.contradicted);
  list("extra words", s.extra);
  list("quality tags", s.quality_tags);
}

// The tag file with its old quality tags dropped and `quality` appended; the
// other entries are left exactly as they were written.
std::string with_quality_tags(std::string_view text, const std::vector<std::string>& quality, const ScoreOptions& opt) {
  std::string out;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view entry = text.substr(start, comma - start);
    std::string_view trimmed = entry;
    while (!trimmed.empty() && trimmed.front() == ' ') trimmed.remove_prefix(1);
    while (!trimmed.empty() && trimmed.back() == ' ') trimmed.remove_suffix(1);
    if (!trimmed.empty() && !is_quality_tag(trimmed, opt)) {
      if (!out.empty()) out += ", ";
      out += trimmed;
    }
    start = comma + 1;
  }
  for (const auto& q : quality) {
    if (!out.empty()) out += ", ";
    out += q;
  }
  out += '\n';
  return out;
}

// Every usable image with a tag sidecar and a caption sidecar.
int score_folder(const std::string& dir, const TagDb& db, const Lexicon& lexicon, const TagRules& rules,
                 const ScoreOptions& opt, bool write, bool json) {
  auto scan = scan_tree(dir, ScanOptions{});
  if (!scan) {
    std::fprintf(stderr, "tagforge score: %s\n", scan.error().to_string().c_str());
    return kExitFatal;
  }
  nlohmann::json rows = nlohmann::json::array();
  size_t scored = 0, flagged = 0, failed = 0;
  double sum = 0;
  for (const Item& item : scan->items) {
    if (!item.usable()) continue;
    const Sidecar* tags = nullptr;
    const Sidecar* caption = nullptr;
    for (const Sidecar& sc : item.sidecars) {
      const bool caption_file = is_caption_file(sc.name);
      if (caption_file || (sc.kind == SidecarKind::kCaption && !caption)) caption = &sc;
      else if (sc.kind == SidecarKind::kTags && !tags) tags = &sc;
    }
    if (!tags || !caption) continue;
    const auto tag_path = scan->root / scan->relative_path(item, tags->name);
    auto tag_text = read_whole_file(tag_path, "tag file");
    auto caption_text = read_whole_file(scan->root / scan->relative_path(item, caption->name), "caption file");
    if (!tag_text || !caption_text) {
      std::fprintf(stderr, "tagforge score: %s\n", (!tag_text ? tag_text.error() : caption_text.error()).to_string().c_str());
      ++failed;
      continue;
    }
    TagList list = parse_tag_list(*tag_text, db);
    std::erase_if(list.tags, [&](const TagEntry& t) {
      return is_quality_tag(t.id == kUnknownTag ? std::string_view(t.text) : db.name(t.id), opt);
    });
    (void)prune_tags(list, db, rules, PruneOptions{});
    const CaptionScore s = score_caption(*caption_text, list, db, lexicon, opt);
    ++scored;
    sum += s.overall;
    if (s.flagged) ++flagged;
    const std::string rel = scan->relative_path(item);
    if (json) {
      nlohmann::json j = score_json(s);
      j["path"] = printable_path(rel);
      rows.push_back(std::move(j));
    } else {
      std::printf("%.3f%s  %s\n", s.overall, s.flagged ? " flagged" : "        ", printable_path(rel).c_str());
    }
    std::vector<std::string> added = s.quality_tags;
    if (s.flagged) added.emplace_back(kReviewTag);  // tagforge sort sends it to review_N
    if (write) {
      if (Status st = write_file_atomic(tag_path, with_quality_tags(*tag_text, added, opt), Overwrite::kReplace);
          !st.ok()) {
        std::fprintf(stderr, "tagforge score: %s\n", st.error().to_string().c_str());
        ++failed;
      }
    }
  }
  if (json) {
    nlohmann::json j;
    j["items"] = std::move(rows);
    j["scored"] = scored;
    j["flagged"] = flagged;
    j["mean_overall"] = scored ? sum / static_cast<double>(scored) : 0.0;
    j["failed"] = failed;
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("scored %zu captions, mean overall %.3f, %zu flagged for review (below %.2f)%s\n", scored,
                scored ? sum / static_cast<double>(scored) : 0.0, flagged, opt.flag_below,
                write ? "; quality tags written" : "");
  }
  return failed ? kExitSomeFailed : kExitOk;
}

}  // namespace

Runner add_score_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("score", "How well captions agree with their tags (and quality tags from that)");
  auto a = std::make_shared<Args>();
  cmd->add_option("DIR", a->dir, "Score every image of a folder that has a tag and a caption sidecar");
  cmd->add_option("--tags", a->tags, "A tag list (with --caption)");
  cmd->add_option("--caption", a->caption, "A caption (with --tags)");
  cmd->add_flag("--write", a->write,
                "With DIR: write the quality tags into each tag file (replacing old ones), and needs_review when flagged");
  cmd->add_option("--flag-below", a->flag_below, "Overall score under which an image is flagged for review")
      ->capture_default_str();
  cmd->add_flag("--no-quality-tags", a->no_quality_tags, "Score only; no auto_*_caption / accuracy_* tags");
  cmd->add_option("--quality-bands", a->bands,
                  "TAG=MIN,… replacing auto_best_caption=0.9,auto_good_caption=0.75,auto_okay_caption=0.6,"
                  "auto_bad_caption=0.4,auto_worst_caption=0");
  cmd->add_option("--accuracy-prefix", a->accuracy_prefix, "Prefix of the accuracy_N tags (empty: none)")
      ->capture_default_str();
  cmd->add_flag("--json", a->json, "Print JSON");
  add_tag_engine_flags(*cmd, a->engine);
  add_lexicon_flag(*cmd, a->engine);

  return [a] {
    const bool pair = !a->tags.empty() || !a->caption.empty();
    if (pair == !a->dir.empty()) {
      std::fprintf(stderr, "tagforge score: give --tags and --caption, or a DIR\n");
      return kExitFatal;
    }
    auto engine = load_tag_engine(a->engine, true);
    if (!engine) return kExitFatal;
    auto lexicon = load_lexicon(a->engine, engine->db, "score");
    if (!lexicon) return kExitFatal;
    ScoreOptions opt;
    opt.flag_below = a->flag_below;
    opt.quality_tags = !a->no_quality_tags;
    opt.accuracy_prefix = a->accuracy_prefix;
    if (!a->bands.empty()) {
      auto bands = parse_quality_bands(a->bands);
      if (!bands) {
        std::fprintf(stderr, "tagforge score: %s\n", bands.error().message.c_str());
        return kExitFatal;
      }
      opt.bands = std::move(*bands);
    }
    auto prepared = [&](std::string_view text) {
      TagList list = parse_tag_list(text, engine->db);
      (void)prune_tags(list, engine->db, engine->rules, PruneOptions{});
      return list;
    };
    if (pair) {
      const CaptionScore s = score_caption(a->caption, prepared(a->tags), engine->db, *lexicon, opt);
      if (a->json) std::printf("%s\n", score_json(s).dump(2).c_str());
      else print_text(s);
      return kExitOk;
    }
    return score_folder(a->dir, engine->db, *lexicon, engine->rules, opt, a->write, a->json);
  };
}

}  // namespace tagforge::cli
