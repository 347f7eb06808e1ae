#include "sort/probe_ahead.h"

#include <algorithm>
#include <chrono>

namespace tagforge {

ProbeAhead::ProbeAhead(Listing& listing, std::span<const uint32_t> order, const std::vector<bool>& done,
                       const ScanOptions& options, unsigned threads)
    : listing_(listing),
      order_(order),
      done_(done),
      prober_(listing.root_fd.get(), listing.scan, options),
      block_ready_(new std::atomic<uint8_t>[order.size() / kBlock + 1]()),
      notes_(std::max(1u, threads)) {
  for (size_t t = 0; t < notes_.size(); ++t) threads_.emplace_back([this, t] { run(t); });
}

ProbeAhead::~ProbeAhead() {
  stop_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void ProbeAhead::run(size_t thread_index) {
  const size_t blocks = (order_.size() + kBlock - 1) / kBlock;
  std::vector<ScanNote> found;
  for (size_t b = next_block_++; b < blocks && !stop_; b = next_block_++) {
    const size_t end = std::min(order_.size(), (b + 1) * kBlock);
    for (size_t k = b * kBlock; k < end; ++k) {
      const uint32_t i = order_[k];
      if (done_[i]) continue;
      prober_.probe(listing_.scan.items[i], found);
      for (auto& n : found) notes_[thread_index].emplace_back(k, std::move(n));
      found.clear();
    }
    block_ready_[b].store(1, std::memory_order_release);
    block_ready_[b].notify_all();
  }
}

double ProbeAhead::wait_for(size_t k) {
  std::atomic<uint8_t>& ready = block_ready_[k / kBlock];
  if (ready.load(std::memory_order_acquire)) return 0;
  const auto t0 = std::chrono::steady_clock::now();
  while (!ready.load(std::memory_order_acquire)) ready.wait(0, std::memory_order_acquire);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::vector<ScanNote> ProbeAhead::finish() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  std::vector<ScanNote> out = notes_in_order(notes_);
  notes_.clear();
  return out;
}

}  // namespace tagforge
