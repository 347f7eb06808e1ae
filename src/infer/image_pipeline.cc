#include "infer/image_pipeline.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace tagforge {

namespace {

// Decoding threads run at a lower priority than the model, so on a busy
// machine a decoder that is ready yields the core to an inference thread
// (whose parallel sections wait for their slowest thread) rather than the
// other way round. Best effort: a failure leaves the priority as it was.
void lower_this_threads_priority() {
  const auto tid = static_cast<id_t>(syscall(SYS_gettid));
  (void)setpriority(PRIO_PROCESS, tid, 10);
}

struct Shared {
  std::span<const std::filesystem::path> paths;
  const PipelineOptions& opt;
  const std::function<void(const Image8&, std::span<float>)>& prepare;
  size_t batch_size, batches;
  std::vector<PipelineBatch> slots;  // in_flight batches, reused round-robin

  std::mutex mu;
  std::condition_variable work_cv, done_cv;
  size_t next_image = 0;     // next path to decode
  size_t consumed = 0;       // batches handed to consume so far
  std::vector<size_t> done;  // per slot: images finished
  bool stop = false;

  size_t slot_of(size_t batch) const { return batch % slots.size(); }
  size_t images_in(size_t batch) const { return std::min(batch_size, paths.size() - batch * batch_size); }

  void decode_one(size_t index) {
    const size_t batch = index / batch_size, i = index % batch_size;
    PipelineBatch& b = slots[slot_of(batch)];
    PipelineImage& im = b.images[i];
    auto decoded = decode_image(im.path, opt.decode);
    if (!decoded) {
      im.error = decoded.error();
      return;
    }
    im.decoded = std::move(*decoded);
    if (opt.floats_per_image) {
      prepare(im.decoded.image,
              std::span<float>(b.tensor).subspan(i * opt.floats_per_image, opt.floats_per_image));
    }
    if (!opt.keep_pixels) {
      im.decoded.image.pixels.clear();
      im.decoded.image.pixels.shrink_to_fit();
    }
  }

  // Sets up the slot of `batch` (under mu).
  void open_batch(size_t batch) {
    PipelineBatch& b = slots[slot_of(batch)];
    b.first = batch * batch_size;
    b.images.assign(images_in(batch), PipelineImage{});
    for (size_t i = 0; i < b.images.size(); ++i) b.images[i].path = paths[b.first + i];
    b.tensor.assign(b.images.size() * opt.floats_per_image, 0.0f);
    done[slot_of(batch)] = 0;
  }

  void worker() {
    lower_this_threads_priority();
    std::unique_lock lock(mu);
    while (true) {
      work_cv.wait(lock, [&] {
        return stop || (next_image < paths.size() && next_image / batch_size < consumed + slots.size());
      });
      if (stop) return;
      const size_t index = next_image++;
      if (index % batch_size == 0) open_batch(index / batch_size);
      lock.unlock();
      decode_one(index);
      lock.lock();
      if (++done[slot_of(index / batch_size)] == images_in(index / batch_size)) done_cv.notify_all();
    }
  }
};

}  // namespace

void run_image_pipeline(std::span<const std::filesystem::path> paths, const PipelineOptions& opt,
                        const std::function<void(const Image8&, std::span<float>)>& prepare,
                        const std::function<void(PipelineBatch&)>& consume) {
  if (paths.empty()) return;
  const size_t batch_size = std::max<size_t>(1, opt.batch_size);
  const size_t batches = (paths.size() + batch_size - 1) / batch_size;
  Shared s{paths, opt, prepare, batch_size, batches, {}, {}, {}, {}, 0, 0, {}, false};
  s.slots.resize(std::min(batches, std::max<size_t>(1, opt.in_flight)));
  s.done.assign(s.slots.size(), 0);

  const unsigned n_workers = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> workers;
  for (unsigned i = 0; i < n_workers; ++i) workers.emplace_back([&s] { s.worker(); });

  for (size_t batch = 0; batch < batches; ++batch) {
    {
      std::unique_lock lock(s.mu);
      s.done_cv.wait(lock, [&] {
        return s.next_image > batch * batch_size && s.done[s.slot_of(batch)] == s.images_in(batch) &&
               s.slots[s.slot_of(batch)].first == batch * batch_size;
      });
    }
    // The workers never touch a finished batch's slot until `consumed` moves past it.
    consume(s.slots[s.slot_of(batch)]);
    {
      std::lock_guard lock(s.mu);
      ++s.consumed;
    }
    s.work_cv.notify_all();
  }
  {
    std::lock_guard lock(s.mu);
    s.stop = true;
  }
  s.work_cv.notify_all();
  for (auto& t : workers) t.join();
}

}  // namespace tagforge
