// Probing files on background threads ahead of a consumer that needs them
// in a fixed order: the sorter moves file k while files k+1… are probed.
#pragma once

#include <atomic>
#include <memory>
#include <span>
#include <thread>
#include <vector>

#include "scan/listing.h"
#include "scan/probe.h"

namespace tagforge {

class ProbeAhead {
 public:
  // Probes listing.scan.items[order[k]] for k = 0, 1, … on `threads`
  // threads, skipping items already probed (done[i]). The listing, `order`
  // and `done` must outlive this object and stay unchanged meanwhile, apart
  // from the probed fields of items the consumer has not reached.
  ProbeAhead(Listing& listing, std::span<const uint32_t> order, const std::vector<bool>& done,
             const ScanOptions& options, unsigned threads);
  ~ProbeAhead();  // stops early and joins the threads
  ProbeAhead(const ProbeAhead&) = delete;
  ProbeAhead& operator=(const ProbeAhead&) = delete;

  // Blocks until the item at position `k` of the order is probed; returns
  // the seconds spent waiting.
  double wait_for(size_t k);

  // Joins the threads; the probe notes, in the order.
  std::vector<ScanNote> finish();

 private:
  static constexpr size_t kBlock = 256;  // positions handed out at a time
  void run(size_t thread_index);

  Listing& listing_;
  std::span<const uint32_t> order_;
  const std::vector<bool>& done_;
  ItemProber prober_;
  std::unique_ptr<std::atomic<uint8_t>[]> block_ready_;
  std::atomic<size_t> next_block_{0};
  std::atomic<bool> stop_{false};
  std::vector<std::vector<PositionedNote>> notes_;  // per thread
  std::vector<std::thread> threads_;
};

}  // namespace tagforge
