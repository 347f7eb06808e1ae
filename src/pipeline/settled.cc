#include "pipeline/settled.h"

#include <sys/stat.h>

#include <fmt/format.h>

#include "core/fs_ops.h"
#include "pipeline/content_hash.h"
#include "pipeline/item_stages.h"
#include "pipeline/options.h"

namespace tagforge {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

constexpr const char* kMetaKey = "settled";

// The files the run writes at OUT's top, as [export] asks.
std::vector<std::string> top_files(const RunContext& c) {
  std::vector<std::string> out;
  if (c.config.exports.kohya) out.emplace_back("meta_cap_dd.json");
  if (c.config.exports.huggingface) out.emplace_back("metadata.jsonl");
  if (c.config.exports.report) out.emplace_back("report.html");
  return out;
}

// "size:mtime:ino" of each, or "-" for one that is not there.
json stamps_of(const RunContext& c) {
  json out = json::object();
  for (const std::string& name : top_files(c)) {
    struct stat st {};
    if (::stat((c.out / name).c_str(), &st) != 0) {
      out[name] = "-";
      continue;
    }
    const FileStamp s = stamp_of(st);
    out[name] = fmt::format("{}:{}:{}", s.size, s.mtime_ns, s.ino);
  }
  return out;
}

}  // namespace

std::string run_identity(const RunContext& c, const RunOptions& o) {
  std::string shard = o.shard ? fmt::format("{}/{}", o.shard->first, o.shard->second) : "all";
  // stage_fingerprint carries the code's version of the stages.
  return stage_fingerprint({"settled", c.in.string(), c.out.string(), shard, format_config(c.table, "", false),
                            c.engine_identity, c.lexicon_identity, c.tagger_identity, c.tagger_thresholds,
                            c.detect_identity, c.segment_identity, c.nsfw_identity, c.llm ? c.prompts_identity : "",
                            c.llm ? "llm" : "no llm"});
}

Result<std::optional<json>> recall_settled(Manifest& m, const RunContext& c, const std::string& identity) {
  auto text = m.meta(kMetaKey);
  if (!text) return text.error();
  if (!*text || (*text)->empty()) return std::optional<json>();
  const json recorded = json::parse(**text, nullptr, false);
  if (recorded.is_discarded() || !recorded.is_object() || recorded.value("identity", "") != identity) {
    return std::optional<json>();
  }
  if (recorded.value("files", json()) != stamps_of(c)) return std::optional<json>();
  return std::optional<json>(recorded);
}

Status record_settled(Manifest& m, const RunContext& c, const std::string& identity, const RunSummary& s) {
  json stages = json::object();
  for (const auto& [stage, n] : s.stages) {
    stages[stage] = {{"done", n.computed + n.reused}, {"failed", n.failed}};
  }
  json errors = json::array();
  for (const auto& [path, message] : s.errors) errors.push_back({path, message});
  const json recorded{{"identity", identity}, {"files", stamps_of(c)},   {"written", s.written},
                      {"flagged", s.flagged},   {"untagged", s.untagged}, {"stages", stages},
                      {"errors", errors}};
  return m.put_meta(kMetaKey, recorded.dump(-1, ' ', false, json::error_handler_t::replace));
}

Status forget_settled(Manifest& m) { return m.put_meta(kMetaKey, ""); }

void settled_summary(const json& r, RunSummary& s) {
  s.written = r.value("written", size_t{0});
  s.flagged = r.value("flagged", size_t{0});
  s.untagged = r.value("untagged", size_t{0});
  for (const auto& [stage, n] : r["stages"].items()) {
    StageCount& count = s.stages[stage];
    count.reused = n.value("done", size_t{0});
    count.failed = n.value("failed", size_t{0});
  }
  for (const json& e : r["errors"]) s.errors.emplace_back(e[0].get<std::string>(), e[1].get<std::string>());
}

}  // namespace tagforge
