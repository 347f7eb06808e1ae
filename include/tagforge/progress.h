// Progress reporting. Library calls report to a ProgressSink; the CLI gives a
// terminal bar (files/s, ETA) or plain lines when stderr is not a terminal.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

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

}  // namespace tagforge
