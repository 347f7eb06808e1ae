#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "tagforge/progress.h"

namespace tagforge {
namespace {

using Clock = std::chrono::steady_clock;

class TerminalProgress : public ProgressSink {
 public:
  explicit TerminalProgress(bool tty) : tty_(tty) {}

  void begin(std::string_view phase, uint64_t total) override {
    std::lock_guard lock(mu_);
    phase_ = phase;
    total_ = total;
    done_ = 0;
    start_ = last_ = Clock::now();
  }

  void advance(uint64_t n) override {
    const uint64_t done = done_.fetch_add(n) + n;
    const auto now = Clock::now();
    std::unique_lock lock(mu_, std::try_to_lock);
    if (!lock) return;  // another thread is drawing
    const auto every = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
    if (now - last_ < every) return;
    last_ = now;
    draw(done, now, false);
  }

  void end() override {
    std::lock_guard lock(mu_);
    // Only phases that lasted long enough to draw leave a final line.
    if (last_ != start_) draw(done_.load(), Clock::now(), true);
  }

 private:
  void draw(uint64_t done, Clock::time_point now, bool final) {
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
    char line[256];
    if (total_ > 0) {
      const double frac = static_cast<double>(done) / static_cast<double>(total_);
      const int width = 30;
      std::string bar(static_cast<size_t>(frac * width), '#');
      bar.resize(width, '.');
      const double eta = rate > 0 ? static_cast<double>(total_ - std::min(done, total_)) / rate : 0;
      std::snprintf(line, sizeof line, "%-9s [%s] %llu/%llu  %.3g/s  ETA %.0fs", phase_.c_str(), bar.c_str(),
                    static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_), rate, eta);
    } else {
      std::snprintf(line, sizeof line, "%-9s %llu done  %.3g/s", phase_.c_str(), static_cast<unsigned long long>(done),
                    rate);
    }
    if (tty_) std::fprintf(stderr, "\r\033[2K%s%s", line, final ? "\n" : "");
    else std::fprintf(stderr, "%s\n", line);
    std::fflush(stderr);
  }

  const bool tty_;
  std::mutex mu_;
  std::string phase_;
  uint64_t total_ = 0;
  std::atomic<uint64_t> done_{0};
  Clock::time_point start_, last_;
};

class SilentProgress : public ProgressSink {
 public:
  void begin(std::string_view, uint64_t) override {}
  void advance(uint64_t) override {}
  void end() override {}
};

class TerminalStageProgress : public StageProgress {
 public:
  explicit TerminalStageProgress(bool tty) : tty_(tty) {}

  void begin(const std::vector<std::string>& stages, uint64_t total) override {
    std::lock_guard lock(mu_);
    stages_ = stages;
    done_.assign(stages.size(), 0);
    first_.assign(stages.size(), Clock::time_point{});
    total_ = total;
    start_ = last_ = Clock::now();
    drawn_ = 0;
  }

  void advance(std::string_view stage, uint64_t n) override {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < stages_.size(); ++i) {
      if (stages_[i] != stage) continue;
      if (done_[i] == 0) first_[i] = Clock::now();
      done_[i] += n;
    }
    const auto now = Clock::now();
    const auto every = tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000);
    if (now - last_ < every) return;
    last_ = now;
    draw(now);
  }

  void end() override {
    std::lock_guard lock(mu_);
    if (last_ != start_) draw(Clock::now());
  }

 private:
  // A stage's rate counts from its first item: a stage that waited for an earlier one is not slow.
  void draw(Clock::time_point now) {
    std::string out;
    if (tty_ && drawn_ > 0) out += "\033[" + std::to_string(drawn_) + "A";  // back to the first bar
    std::string plain;
    for (size_t i = 0; i < stages_.size(); ++i) {
      const double secs = done_[i] ? std::chrono::duration<double>(now - first_[i]).count() : 0;
      const double rate = secs > 0 ? static_cast<double>(done_[i]) / secs : 0;
      const uint64_t left = total_ - std::min(done_[i], total_);
      char line[256];
      if (tty_) {
        const int width = 30;
        std::string bar(total_ ? static_cast<size_t>(width * std::min(1.0, double(done_[i]) / double(total_))) : 0, '#');
        bar.resize(width, '.');
        std::snprintf(line, sizeof line, "\r\033[2K%-9s [%s] %llu/%llu  %.3g/s  ETA %.0fs\n", stages_[i].c_str(),
                      bar.c_str(), static_cast<unsigned long long>(done_[i]), static_cast<unsigned long long>(total_),
                      rate, rate > 0 ? static_cast<double>(left) / rate : 0.0);
        out += line;
      } else {
        std::snprintf(line, sizeof line, "%s%s %llu/%llu (%.3g/s)", plain.empty() ? "" : ", ", stages_[i].c_str(),
                      static_cast<unsigned long long>(done_[i]), static_cast<unsigned long long>(total_), rate);
        plain += line;
      }
    }
    if (tty_) {
      drawn_ = stages_.size();
      std::fputs(out.c_str(), stderr);
    } else {
      std::fprintf(stderr, "%s\n", plain.c_str());
    }
    std::fflush(stderr);
  }

  const bool tty_;
  std::mutex mu_;
  std::vector<std::string> stages_;
  std::vector<uint64_t> done_;
  std::vector<Clock::time_point> first_;
  uint64_t total_ = 0;
  Clock::time_point start_, last_;
  size_t drawn_ = 0;
};

class SilentStageProgress : public StageProgress {
 public:
  void begin(const std::vector<std::string>&, uint64_t) override {}
  void advance(std::string_view, uint64_t) override {}
  void end() override {}
};

}  // namespace

std::unique_ptr<StageProgress> make_stage_progress(bool quiet) {
  if (quiet) return std::make_unique<SilentStageProgress>();
  return std::make_unique<TerminalStageProgress>(::isatty(STDERR_FILENO) != 0);
}

std::unique_ptr<ProgressSink> make_terminal_progress(bool quiet) {
  if (quiet) return std::make_unique<SilentProgress>();
  return std::make_unique<TerminalProgress>(::isatty(STDERR_FILENO) != 0);
}

}  // namespace tagforge
