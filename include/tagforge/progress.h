// Progress reporting. Library calls report to a ProgressSink; the CLI gives a
// terminal bar (files/s, ETA) or plain lines when stderr is not a terminal.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tagforge {

class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  // A new phase; total 0 means unknown. REQUIRES: the previous phase ended.
  virtual void begin(std::string_view phase, uint64_t total) = 0;
  // Safe to call from several threads at once.
  virtual void advance(uint64_t n = 1) = 0;
  virtual void end() = 0;
};

// Writes to stderr: a redrawn bar on a terminal, a plain line every few
// seconds otherwise, nothing when `quiet`.
std::unique_ptr<ProgressSink> make_terminal_progress(bool quiet);

// Progress of several stages over the same items (tagforge run): one bar per
// stage, each with done/total, items per second and time left.
class StageProgress {
 public:
  virtual ~StageProgress() = default;
  // The stages in their order; total items. REQUIRES: the previous run ended.
  virtual void begin(const std::vector<std::string>& stages, uint64_t total) = 0;
  // `n` more items are past `stage` (computed, or taken from an earlier run). Thread-safe.
  virtual void advance(std::string_view stage, uint64_t n) = 0;
  virtual void end() = 0;
};

// On a terminal the bars are redrawn in place, one line per stage; otherwise
// one plain line with every stage's count every few seconds; nothing when `quiet`.
std::unique_ptr<StageProgress> make_stage_progress(bool quiet);

}  // namespace tagforge
