// How long each per-item stage of a run computed, and over how many images:
// per-stage images/s for the summary, --json and report.html. The stages of
// a batch run at once, so a stage's seconds are the sum of its calls' time
// (its busy time), not a share of the run's wall clock; images over busy
// seconds is the rate of one stream of its calls.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

#include "pipeline/stages/item_stage.h"

namespace tagforge {

class StageTimes {
 public:
  struct Figures {
    double seconds = 0;  // busy: the sum over its calls
    uint64_t images = 0;
  };

  // Thread-safe. A name no registered stage has is ignored.
  void add(std::string_view stage, double seconds, uint64_t images) {
    const size_t k = item_stage_index(stage);
    if (k == count_) return;
    slots_[k].nanoseconds.fetch_add(uint64_t(seconds * 1e9), std::memory_order_relaxed);
    slots_[k].images.fetch_add(images, std::memory_order_relaxed);
  }

  Figures of(std::string_view stage) const {
    const size_t k = item_stage_index(stage);
    if (k == count_) return {};
    return {double(slots_[k].nanoseconds.load()) / 1e9, slots_[k].images.load()};
  }

 private:
  struct Slot {
    std::atomic<uint64_t> nanoseconds{0};
    std::atomic<uint64_t> images{0};
  };
  size_t count_ = item_stages().size();
  std::unique_ptr<Slot[]> slots_{new Slot[count_]};
};

}  // namespace tagforge
