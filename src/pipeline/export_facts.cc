#include "pipeline/export_facts.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdlib>

#include "pipeline/stages/quality_stage.h"

namespace tagforge {

using json = nlohmann::ordered_json;

namespace {

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Written whole, and with something to train on.
bool complete(const ItemState& it) {
  return stage_result(it, kStageCaption) && stage_result(it, kStageScore) && !it.errors.count("write") && !untagged(it);
}

// A kind of LLM outcome for the report, from a caption row's "llm" part: the reasons name
// servers and scores, the kinds do not.
std::string llm_outcome(const json& llm, bool from_llm) {
  if (from_llm) {
    std::string kind = llm.contains("stage2") ? "LLM caption from the tiles (stage 2)" : "LLM caption";
    if (llm.contains("rewrite") && llm["rewrite"].value("kept", false)) kind += ", rewritten";
    return kind;
  }
  const std::string reason = llm.value("reason", "");
  if (reason.find("under stage2_threshold") != std::string::npos) return "kept the tags' caption: the LLM's scored too low";
  if (reason.rfind("NSFW score", 0) == 0) return "kept the tags' caption: NSFW and no local endpoint";
  for (const char* known : {"connection failed or closed", "timed out", "rate limited (429)", "server error",
                            "request refused by the server", "answer is not a chat completion", "refused",
                            "no caption in the answer", "does not decode"}) {
    if (reason.find(known) != std::string::npos) return std::string("kept the tags' caption: ") + known;
  }
  return "kept the tags' caption: other";
}

}  // namespace

ExportFacts export_facts_of(const ItemState& it, const RunConfig& config) {
  ExportFacts f;
  const StageResult* score = stage_result(it, kStageScore);
  const StageResult* nsfw = stage_result(it, kStageNsfw);
  const StageResult* caption = stage_result(it, kStageCaption);
  f.flagged = flagged(it, config);
  f.quality_faults = quality_faults_text(it);
  if (nsfw) f.nsfw = stage_json(*nsfw)["nsfw"].get<double>();
  if ((f.complete = complete(it))) {
    const std::string text = final_caption(it), tags = final_tag_text(it, config);
    f.kohya_entry = dump(json{{"caption", text}, {"tags", tags}});
    json line{{"text", text}, {"tags", tags}, {"score", stage_json(*score)["overall"]}, {"flagged", f.flagged}};
    if (nsfw) line["nsfw"] = stage_json(*nsfw)["nsfw"];
    const std::string fields = dump(line);
    f.hf_fields = fields.substr(1, fields.size() - 2);  // without the braces
  }
  if (score && !untagged(it)) {
    f.overall = stage_json(*score)["overall"].get<double>();
    f.tag_text = final_tag_text(it, config);
  }
  if (caption) {
    const json& c = stage_json(*caption);
    const std::string source = c.value("source", "");
    f.caption_source = source == "llm" ? "by the LLM" : source == "sidecar" ? "the input's own" : "from the tags";
    if (c.contains("llm")) {
      const json& llm = c["llm"];
      f.llm_outcome = llm_outcome(llm, source == "llm");
      if (llm.contains("attempts")) f.llm_requests += llm["attempts"].size();
      if (llm.contains("stage2")) f.llm_requests += llm["stage2"]["tiles"].size();
      if (llm.contains("rewrite")) ++f.llm_requests;
    }
  }
  return f;
}

namespace {

void put(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}

std::string number_text(const std::optional<double>& v) { return v ? fmt::format("{:.17g}", *v) : std::string(); }

// The next field of `data` from `at`; false when it is not one.
bool take(std::string_view data, size_t& at, std::string_view& field) {
  const size_t colon = data.find(':', at);
  if (colon == std::string_view::npos || colon == at) return false;
  size_t n = 0;
  const auto [end, ec] = std::from_chars(data.data() + at, data.data() + colon, n);
  if (ec != std::errc() || end != data.data() + colon || n > data.size() - colon - 1) return false;
  field = data.substr(colon + 1, n);
  at = colon + 1 + n;
  return true;
}

bool number_of(std::string_view text, std::optional<double>& v) {
  if (text.empty()) return v.reset(), true;
  const std::string s(text);  // strtod: from_chars for double is newer than some of our compilers
  char* end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

}  // namespace

std::string encode_export_facts(const ExportFacts& f) {
  std::string out;
  put(out, f.complete ? "1" : "0");
  put(out, f.kohya_entry);
  put(out, f.hf_fields);
  put(out, number_text(f.overall));
  put(out, f.flagged ? "1" : "0");
  put(out, f.tag_text);
  put(out, number_text(f.nsfw));
  put(out, f.caption_source);
  put(out, f.llm_outcome);
  put(out, std::to_string(f.llm_requests));
  put(out, f.quality_faults);
  return out;
}

std::optional<ExportFacts> decode_export_facts(std::string_view data) {
  std::string_view v[11];
  size_t at = 0;
  for (std::string_view& field : v) {
    if (!take(data, at, field)) return std::nullopt;
  }
  if (at != data.size()) return std::nullopt;
  ExportFacts f;
  auto flag = [](std::string_view s, bool& out) {
    out = s == "1";
    return s == "0" || s == "1";
  };
  if (!flag(v[0], f.complete) || !flag(v[4], f.flagged) || !number_of(v[3], f.overall) || !number_of(v[6], f.nsfw)) {
    return std::nullopt;
  }
  f.kohya_entry = v[1];
  f.hf_fields = v[2];
  f.tag_text = v[5];
  f.caption_source = v[7];
  f.llm_outcome = v[8];
  f.quality_faults = v[10];
  const auto [end, ec] = std::from_chars(v[9].data(), v[9].data() + v[9].size(), f.llm_requests);
  if (ec != std::errc() || end != v[9].data() + v[9].size()) return std::nullopt;
  return f;
}

}  // namespace tagforge
