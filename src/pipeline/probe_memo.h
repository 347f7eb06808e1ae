// The scanner's probe memo (ProbeMemo, scan.h) kept in the run's manifest, so
// that a re-run over an input that has not changed stats its files instead of
// opening them: the input's scan, and the export's scan of the work folder.
#pragma once

#include <string>

#include "pipeline/manifest.h"
#include "tagforge/scan.h"

namespace tagforge {

class ManifestProbeMemo : public ProbeMemo {
 public:
  // kKeep: what was probed anew is kept. kRecallOnly: nothing is written; a folder that
  // differs is only counted (a look for changes that the real scan may follow).
  enum class Mode { kKeep, kRecallOnly };

  // `tree`: which tree ("in", "work"); the scope also holds every option of
  // `options` that decides what a probe finds. Rows of the tree's other scopes are
  // dropped (kKeep).
  ManifestProbeMemo(Manifest& manifest, const std::string& tree, const ScanOptions& options, Mode mode = Mode::kKeep);

  std::unordered_map<std::string, ProbedFile> recall(const std::string& dir) override;
  void keep(const std::string& dir, std::vector<std::pair<std::string, ProbedFile>>&& files) override;

  // How many files of `dir` it remembers.
  Result<uint64_t> remembered_files(const std::string& dir) { return m_.probe_count(scope_, dir); }

  // The first error the memo met (it is a cache: the scan goes on without it).
  const Status& status() const { return status_; }
  // How many folders were not as remembered (kept anew).
  size_t changed_folders() const { return changed_; }

 private:
  Manifest& m_;
  std::string scope_;
  Mode mode_;
  Status status_ = ok_status();
  size_t changed_ = 0;
};

}  // namespace tagforge
