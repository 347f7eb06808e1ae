#include "pipeline/probe_memo.h"

#include <fmt/format.h>

namespace tagforge {

namespace {

// Bumped when a probe would find something else in the same bytes.
constexpr int kProbeVersion = 1;

}  // namespace

ManifestProbeMemo::ManifestProbeMemo(Manifest& manifest, const std::string& tree, const ScanOptions& o, Mode mode)
    : m_(manifest),
      scope_(fmt::format("{} v{} words {} classify {} text {} review {}", tree, kProbeVersion, o.tag_max_words,
                         int(o.classify_sidecars), int(o.keep_text), o.review_tag)),
      mode_(mode) {
  if (mode_ == Mode::kKeep) status_ = m_.forget_probes_but(tree + " ", scope_);
}

std::unordered_map<std::string, ProbedFile> ManifestProbeMemo::recall(const std::string& dir) {
  auto rows = m_.probes(scope_, dir);
  if (rows) return std::move(*rows);
  if (status_.ok()) status_ = rows.error();
  return {};
}

void ManifestProbeMemo::keep(const std::string& dir, std::vector<std::pair<std::string, ProbedFile>>&& files) {
  ++changed_;
  if (mode_ == Mode::kRecallOnly) return;
  Status st = m_.put_probes(scope_, dir, files);
  if (!st.ok() && status_.ok()) status_ = st;
}

}  // namespace tagforge
