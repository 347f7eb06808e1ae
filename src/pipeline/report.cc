#include "pipeline/report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/atomic_file.h"
#include "core/base64.h"
#include "core/natural_order.h"
#include "media/decode.h"
#include "media/encode.h"
#include "pipeline/dataset_dedupe.h"
#include "pipeline/stages/item_stage.h"
#include "tagforge/score.h"

namespace tagforge {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

constexpr size_t kFlaggedShown = 60;
constexpr size_t kLowQualityShown = 40;
constexpr size_t kClipsShown = 100;
constexpr int kThumbSide = 160;

std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// A small JPEG of the image as a data: URI; empty when it does not decode.
std::string thumbnail_uri(const fs::path& file) {
  DecodeOptions opt;
  opt.reduce_to_long_side = kThumbSide;
  auto d = decode_image(file, opt);
  if (!d) return "";
  auto jpeg = encode_jpeg_within(d->image, kThumbSide, 80, file);
  return jpeg ? "data:image/jpeg;base64," + base64(*jpeg) : "";
}

// Horizontal bars: label, value, and the bar scaled to the largest value.
std::string bar_chart(const std::vector<std::pair<std::string, double>>& rows, const char* unit) {
  double top = 0;
  for (const auto& r : rows) top = std::max(top, r.second);
  std::string out = "<table class=bars>";
  for (const auto& [label, value] : rows) {
    const double width = top > 0 ? 100.0 * value / top : 0;
    out += fmt::format("<tr><td>{}</td><td class=num>{}{}</td><td class=barcell><div class=bar style=\"width:{:.1f}%\">"
                       "</div></td></tr>",
                       escape(label), value, unit, width);
  }
  return out + "</table>";
}

// Ten bins over [0, 1].
// Ten bins over [0, 1]; the value 1 falls in the last.
size_t bin_of(double v) { return size_t(std::clamp(int(v * 10), 0, 9)); }

std::vector<std::pair<std::string, double>> histogram(const std::vector<size_t>& bins) {
  std::vector<std::pair<std::string, double>> rows;
  for (int b = 0; b < 10; ++b) rows.emplace_back(fmt::format("{:.1f}–{:.1f}", b / 10.0, (b + 1) / 10.0), double(bins[b]));
  return rows;
}

constexpr const char* kStyle = R"(
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em} h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
.cards{display:flex;flex-wrap:wrap;gap:.8em} .card{background:#f5f6f8;border-radius:8px;padding:.7em 1em;min-width:8em}
.card b{display:block;font-size:1.5em} table{border-collapse:collapse} td,th{padding:.25em .6em;text-align:left}
.num{text-align:right;font-variant-numeric:tabular-nums} .bars{width:100%} .barcell{width:60%}
.bar{background:#5b8def;height:.9em;border-radius:3px} .flagged{display:flex;flex-wrap:wrap;gap:1em}
.item{width:330px;background:#fafafa;border:1px solid #e3e3e3;border-radius:8px;padding:.6em}
.dupes{display:flex;gap:.8em;flex-wrap:wrap;margin:.6em 0;padding:.4em;border:1px solid #ddd}
.dupes figure{margin:0;max-width:170px;font-size:.85em} .dupes img{max-width:160px;max-height:160px;display:block}
.item img{max-width:160px;max-height:160px;float:left;margin:0 .6em .3em 0} .item p{margin:.2em 0;font-size:.9em}
.missing{color:#b3261e} .path{font-family:monospace;font-size:.8em;color:#555;word-break:break-all} .err{color:#b3261e}
)";

}  // namespace

bool ReportStats::lower(const Flagged& a, const Flagged& b) {
  if (a.score != b.score) return a.score < b.score;
  return natural_compare(a.item.path, b.item.path) < 0;  // f20 before f100
}

void ReportStats::add(const ExportFacts& f, const ManifestItem& item, const std::string& out_path) {
  if (f.overall) {
    ++overall_bins_[bin_of(*f.overall)];
    ++scored_;
    if (f.flagged) {
      ++flagged_count_;
      Flagged flagged{*f.overall, item, out_path};
      if (flagged_.size() < kFlaggedShown) {
        flagged_.push_back(std::move(flagged));
        std::push_heap(flagged_.begin(), flagged_.end(), lower);
      } else if (lower(flagged, flagged_.front())) {  // lower than the highest kept
        std::pop_heap(flagged_.begin(), flagged_.end(), lower);
        flagged_.back() = std::move(flagged);
        std::push_heap(flagged_.begin(), flagged_.end(), lower);
      }
    }
    for (const std::string& tag : tag_line_entries(f.tag_text)) {
      if (!is_quality_tag(tag) && tag != review_tag_) ++tag_counts_[tag];
    }
  }
  if (f.nsfw) {
    ++nsfw_bins_[bin_of(*f.nsfw)];
    ++nsfw_scored_;
  }
  if (!f.quality_faults.empty() && low_quality_.size() < kLowQualityShown) {
    low_quality_.push_back(LowQuality{item.path, out_path, f.quality_faults});
  }
  if (!f.caption_source.empty()) ++caption_sources_[f.caption_source];
  if (!f.llm_outcome.empty()) ++llm_outcomes_[f.llm_outcome];
  llm_requests_ += f.llm_requests;
}

namespace {

// The groups dedupe found, the first few side by side: the keeper, then the copies set aside.
std::string duplicates_html(const RunContext& c, const RunSummary& s) {
  constexpr size_t kShown = 20;
  const std::vector<DuplicateGroup> groups = duplicate_groups(s.duplicates);
  std::string h = fmt::format("<h2>Copies set aside ({} in {} groups{}; into duplicates_N)</h2>", s.duplicates.size(),
                              groups.size(),
                              groups.size() > kShown ? fmt::format(", the first {} shown", kShown) : std::string());
  auto figure = [&](const std::string& path, const std::string& label) {
    const std::string uri = thumbnail_uri(c.work / path);
    h += "<figure>";
    if (!uri.empty()) h += fmt::format("<img src=\"{}\" alt=\"\">", uri);
    h += fmt::format("<figcaption><span class=path>{}</span><br>{}</figcaption></figure>", escape(path), label);
  };
  for (size_t g = 0; g < std::min(kShown, groups.size()); ++g) {
    h += "<div class=dupes>";
    figure(groups[g].keeper, "<b>kept</b>");
    for (const DuplicateRow& d : groups[g].members) {
      figure(d.path, d.exact ? std::string("exact copy")
                             : fmt::format("{} / {} bits{}", d.dct, d.centre, d.mirrored ? ", mirrored" : ""));
    }
    h += "</div>";
  }
  return h;
}

// The stills below the quality gate, the first few, each with why.
std::string low_quality_html(const RunContext& c, const RunSummary& s, const std::vector<ReportStats::LowQuality>& shown) {
  const std::string& action = c.config.quality.action;
  const char* where = action == "move" ? "; into low_quality_N" : action == "flag" ? "; flagged for review" : "";
  std::string h = fmt::format("<h2>Below the quality gate ({}{}{})</h2><div class=dupes>", s.low_quality, where,
                              s.low_quality > shown.size() ? fmt::format(", the first {} shown", shown.size())
                                                           : std::string());
  for (const ReportStats::LowQuality& q : shown) {
    const std::string uri = thumbnail_uri(c.work / q.path);
    h += "<figure>";
    if (!uri.empty()) h += fmt::format("<img src=\"{}\" alt=\"\">", uri);
    h += fmt::format("<figcaption><span class=path>{}</span><br>{}</figcaption></figure>", escape(q.out_path),
                     escape(q.faults));
  }
  return h + "</div>";
}

// Each clip's extraction (the "extract" results in the manifest): frames decoded and kept, and
// the candidates the frame gate pruned, by fault (media/frame_quality.h). Empty without clips.
Result<std::string> clips_html(Manifest& m) {
  auto rows = m.stage_results("extract");
  if (!rows) return rows.error();
  std::string table;
  size_t shown = 0;
  for (const auto& [path, result] : *rows) {
    const json data = json::parse(result.data, nullptr, false);
    if (data.is_discarded() || !data.contains("report")) continue;
    const json& r = data["report"];
    size_t kept = 0, blurry = 0, dark = 0, bright = 0;
    for (const json& slice : r.value("slices", json::array())) {
      kept += slice.value("kept", json::array()).size();
      for (const json& p : slice.value("pruned", json::array())) {
        const std::string why = p.value("why", "");
        // A black frame is also "blurry": the exposure faults are counted first.
        if (why.find("too dark") != std::string::npos) ++dark;
        else if (why.find("too bright") != std::string::npos) ++bright;
        else if (why.rfind("blurry", 0) == 0) ++blurry;
      }
    }
    if (++shown > kClipsShown) continue;
    table += fmt::format(
        "<tr><td class=path>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td>"
        "<td class=num>{}</td></tr>",
        escape(path), r.value("frames_decoded", int64_t(0)), kept, blurry, dark, bright);
  }
  if (shown == 0) return std::string();
  return fmt::format("<h2>Frames from clips ({} clip{}{})</h2><table><tr><th>clip</th><th class=num>decoded</th>"
                     "<th class=num>kept</th><th class=num title=\"windows of frames pruned by the frame gate\">"
                     "blurry</th><th class=num>too dark</th><th class=num>too bright</th></tr>{}</table>",
                     shown, shown == 1 ? "" : "s",
                     shown > kClipsShown ? fmt::format(", the first {} shown", kClipsShown) : std::string(),
                     table);
}

}  // namespace

Result<std::string> report_html(const RunContext& c, Manifest& m, const RunSummary& s, ReportStats stats) {
  const std::map<std::string, size_t>& tag_counts = stats.tag_counts_;
  std::vector<ReportStats::Flagged>& flagged = stats.flagged_;
  std::sort_heap(flagged.begin(), flagged.end(), ReportStats::lower);

  std::string h = fmt::format("<!doctype html><html><head><meta charset=utf-8><title>tagforge report</title><style>{}"
                              "</style></head><body><h1>tagforge run</h1><p class=path>{} → {}</p>",
                              kStyle, escape(c.in.string()), escape(c.out.string()));
  h += "<div class=cards>";
  auto card = [&](const std::string& label, const std::string& value) {
    h += fmt::format("<div class=card><b>{}</b>{}</div>", escape(value), escape(label));
  };
  card("images and frames", std::to_string(s.items));
  card("clips expanded", std::to_string(s.clips));
  card("frames", std::to_string(s.frames));
  card("complete", std::to_string(s.written));
  card("fell back, will retry", std::to_string(s.fell_back));
  card("flagged for review", std::to_string(s.flagged));
  card("without any tag", std::to_string(s.untagged));
  card("set aside as copies", std::to_string(s.duplicates.size()));
  card("below the quality gate", std::to_string(s.low_quality));
  card("unknown / broken files", fmt::format("{} / {}", s.unknown, s.broken));
  card("errors", std::to_string(s.errors.size()));
  card("seconds", fmt::format("{:.1f}", s.seconds));
  h += "</div>";

  h += "<h2>Stages</h2><table><tr><th>stage</th><th class=num>computed</th><th class=num>taken from the manifest</th>"
       "<th class=num>failed</th><th class=num>fell back, will retry</th>"
       "<th class=num title=\"images over the summed time of the stage's calls, which run at once: the rate of one "
       "stream of calls\">images/s a call stream</th><th class=num>busy s</th><th>ran on</th></tr>";
  for (const ItemStage* st : item_stages()) {
    const char* stage = st->name();
    auto it = s.stages.find(stage);
    if (it == s.stages.end()) continue;
    const StageCount& n = it->second;
    const std::string rate =
        n.timed_images ? fmt::format("{:.2f}</td><td class=num>{:.1f}</td><td>{}", n.images_per_busy_second(),
                                     n.busy_seconds, stage_device(s, stage))
                       : "</td><td class=num></td><td>";
    h += fmt::format(
        "<tr><td>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td>"
        "<td class=num>{}</td></tr>",
        stage, n.computed, n.reused, n.failed, n.fell_back, rate);
  }
  h += "</table>";
  for (const std::string& e : s.model_errors) h += fmt::format("<p class=err>{}</p>", escape(e));
  h += "<h2>Models</h2><table><tr><th>stage</th><th>model</th><th>from</th><th>device</th></tr>";
  if (s.models.empty()) h += "<tr><td colspan=4>none: every model stage was set to \"none\"</td></tr>";
  for (const StageModel& m : s.models) {
    const std::string from = m.location ? escape(m.location->dir.string()) + (m.by_default ? " (the default)" : "")
                                        : fmt::format("<span class=err>skipped: {}</span>", escape(m.why_not));
    h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", m.stage, escape(m.model), from,
                     escape(m.device));
  }
  h += "</table>";
  std::vector<std::pair<std::string, double>> phases;
  for (const auto& [phase, secs] : s.phase_seconds) phases.emplace_back(phase, std::round(secs * 100) / 100);
  h += "<h2>Time</h2>" + bar_chart(phases, " s");

  if (stats.scored_) h += "<h2>Caption scores (overall)</h2>" + bar_chart(histogram(stats.overall_bins_), "");
  std::vector<std::pair<std::string, size_t>> top(tag_counts.begin(), tag_counts.end());
  std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (top.size() > 30) top.resize(30);
  if (!top.empty()) {
    std::vector<std::pair<std::string, double>> rows;
    for (const auto& [tag, n] : top) rows.emplace_back(tag, double(n));
    h += "<h2>Most frequent tags</h2>" + bar_chart(rows, "");
  }
  if (stats.nsfw_scored_) h += "<h2>NSFW score</h2>" + bar_chart(histogram(stats.nsfw_bins_), "");
  if (!stats.llm_outcomes_.empty()) {
    std::vector<std::pair<std::string, double>> sources, outcomes;
    for (const auto& [k, n] : stats.caption_sources_) sources.emplace_back(k, double(n));
    for (const auto& [k, n] : stats.llm_outcomes_) outcomes.emplace_back(k, double(n));
    h += fmt::format("<h2>Captions</h2><p>{} requests to the LLM (loopbacks, tiles and rewrites included; "
                     "retries of one request not counted).</p>",
                     stats.llm_requests_);
    h += bar_chart(sources, "") + "<h3>What came of asking the LLM</h3>" + bar_chart(outcomes, "");
  }

  if (!flagged.empty()) {
    h += fmt::format("<h2>Flagged for review ({}; the {} lowest scores shown)</h2><div class=flagged>",
                     stats.flagged_count_, flagged.size());
    for (const ReportStats::Flagged& f : flagged) {
      auto loaded = load_item(m, f.item, c);
      if (!loaded) return loaded.error();
      const ItemState& it = *loaded;
      const json& score = stage_json(*stage_result(it, kStageScore));
      const std::string caption = final_caption(it);
      const std::string uri = thumbnail_uri(it.file);
      h += "<div class=item>";
      if (!uri.empty()) h += fmt::format("<img src=\"{}\" alt=\"\">", uri);
      h += fmt::format("<p class=path>{}</p><p>score {:.2f}</p><p>{}</p>", escape(f.out_path), f.score,
                       escape(caption));
      std::vector<std::string> missing;
      for (const json& m : score["missing"]) missing.push_back(m.get<std::string>());
      if (!missing.empty()) h += fmt::format("<p class=missing>missing: {}</p>", escape(fmt::format("{}", fmt::join(missing, ", "))));
      for (const json& x : score["contradicted"]) h += fmt::format("<p class=missing>{}</p>", escape(x.get<std::string>()));
      h += "<div style=clear:both></div></div>";
    }
    h += "</div>";
  }
  if (!s.duplicates.empty()) h += duplicates_html(c, s);
  if (s.low_quality > 0) h += low_quality_html(c, s, stats.low_quality_);
  if (s.clips > 0) {
    auto clips = clips_html(m);
    if (!clips) return clips.error();
    h += *clips;
  }
  if (!s.errors.empty()) {
    h += fmt::format("<h2>Errors ({})</h2><table>", s.errors.size());
    for (size_t k = 0; k < std::min<size_t>(s.errors.size(), 200); ++k) {
      h += fmt::format("<tr><td class=path>{}</td><td class=err>{}</td></tr>", escape(s.errors[k].first),
                       escape(s.errors[k].second));
    }
    h += "</table>";
  }
  return h + "</body></html>\n";
}

}  // namespace tagforge
