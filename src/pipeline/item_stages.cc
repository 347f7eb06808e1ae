#include "pipeline/item_stages.h"

#include <fmt/format.h>

#include <tbb/parallel_for.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "core/dir_handles.h"
#include "core/json_peek.h"
#include "media/decode.h"
#include "pipeline/export_facts.h"
#include "pipeline/stage_times.h"

namespace tagforge {

namespace fs = std::filesystem;

namespace {

// Whether the stage of that name reads the pixels.
bool reads_image(const std::string& name) {
  const ItemStage* s = find_item_stage(name);
  return s && s->reads_image();
}

// What one item needs this pass.
struct Plan {
  std::map<std::string, std::string> fp;  // the stages that apply -> their fingerprints
  std::set<std::string> todo;             // to compute now
};

Plan plan_item(const ItemState& it, const std::map<std::string, StageResult>& cached, const RunContext& c) {
  Plan p;
  // A person's edits (the review row) stand in for the tags and the caption they replace.
  ReviewEdit edit;
  if (auto r = cached.find(kStageReview); r != cached.end()) edit = parse_review_edit(r->second.data);
  for (const ItemStage* s : item_stages()) {
    if (auto f = s->fingerprint(FingerprintInputs{it, p.fp, edit, c})) p.fp[s->name()] = std::move(*f);
  }
  std::set<std::string> retried;  // computed again with the same fingerprint
  for (const auto& [stage, f] : p.fp) {
    auto hit = cached.find(stage);
    const bool same = hit != cached.end() && hit->second.fingerprint == f;
    const bool retry = same && must_retry(hit->second, c.config.run);
    if ((!same || retry) && c.enabled.count(stage)) p.todo.insert(stage);
    if (retry && c.enabled.count(stage)) retried.insert(stage);
  }
  // A retried stage may come out otherwise this time, yet what reads it sees the same fingerprint:
  // it is computed again too (the registry is in the order the stages read each other).
  for (const ItemStage* s : item_stages()) {
    const std::string stage = s->name();
    if (retried.count(stage) || !p.fp.count(stage) || !c.enabled.count(stage)) continue;
    for (const char* in : s->inputs(c)) {
      if (retried.count(in)) {
        p.todo.insert(stage);
        retried.insert(stage);
        break;
      }
    }
  }
  return p;
}

class BatchRunner {
 public:
  BatchRunner(std::vector<ItemState>& batch, const RunContext& c) : batch_(batch), c_(c), plans_(batch.size()) {}

  void run(std::span<const std::map<std::string, StageResult>> cached) {
    cached_ = cached;
    for (size_t i = 0; i < batch_.size(); ++i) {
      plans_[i] = plan_item(batch_[i], cached[i], c_);
      for (const auto& [stage, f] : plans_[i].fp) {
        auto hit = cached[i].find(stage);
        if (!plans_[i].todo.count(stage) && hit != cached[i].end() && hit->second.fingerprint == f &&
            (hit->second.error.empty() || !must_retry(hit->second, c_.config.run))) {
          batch_[i].results[stage] = hit->second;
          batch_[i].reused.push_back(stage);
          if (!hit->second.error.empty()) batch_[i].errors[stage] = hit->second.error;  // final: kept as failed
        }
      }
      if (auto edit = cached[i].find(kStageReview); edit != cached[i].end()) batch_[i].results[kStageReview] = edit->second;
    }
    decode_where_needed();
    run_image_stages();
    // The rest item by item in the registry's order; but a stage that waits on a server is asked
    // for the whole batch at once (each endpoint keeps its own limit), not one item after another.
    const auto stages = item_stages();
    size_t server = 0;
    while (server < stages.size() && !stages[server]->asks_a_server(c_)) ++server;
    auto in_order = [&](size_t i, size_t from, size_t to) {
      for (size_t k = from; k < to; ++k) {
        if (!stages[k]->reads_only_the_image() && plans_[i].todo.count(stages[k]->name())) compute(i, *stages[k]);
      }
    };
    for (size_t i = 0; i < batch_.size(); ++i) in_order(i, 0, server);
    if (server < stages.size()) {
      std::vector<std::thread> askers;
      for (size_t i = 0; i < batch_.size(); ++i) {
        if (plans_[i].todo.count(stages[server]->name())) {
          askers.emplace_back([this, i, s = stages[server]] { compute(i, *s); });
        }
      }
      for (std::thread& t : askers) t.join();
    }
    for (size_t i = 0; i < batch_.size(); ++i) {
      in_order(i, std::min(server + 1, stages.size()), stages.size());
      if (c_.write_outputs) write_sidecars(i);
    }
  }

 private:
  // A failure is transient unless it is the item's own (its image does not decode):
  // the next run computes it again (StageResult::retry).
  void fail(size_t i, const std::string& stage, const std::string& message, bool transient = true) {
    std::lock_guard lock(locks_[i]);  // the image stages of one item may finish at once
    batch_[i].errors[stage] = message;
    batch_[i].results[stage] = StageResult{plans_[i].fp[stage], "", message, transient ? retries(i, stage) : 0};
    batch_[i].computed.push_back(stage);
  }
  // `fallback`: the result stands in for a better one a transient fault kept away.
  void done(size_t i, const std::string& stage, std::string data, bool fallback = false) {
    std::lock_guard lock(locks_[i]);
    batch_[i].results[stage] = StageResult{plans_[i].fp[stage], std::move(data), "", fallback ? retries(i, stage) : 0};
    batch_[i].computed.push_back(stage);
  }
  void record(size_t i, const std::string& stage, StageOutput out) {
    if (!out.error.empty()) return fail(i, stage, out.error);
    done(i, stage, std::move(out.data), out.fallback);
  }
  // This run's count of runs in a row that fell back or failed transiently on the stage.
  int retries(size_t i, const std::string& stage) const {
    auto hit = cached_[i].find(stage);
    const bool same = hit != cached_[i].end() && hit->second.fingerprint == plans_[i].fp.at(stage);
    return same && hit->second.retry > 0 ? hit->second.retry + 1 : 1;
  }
  // Whether every input the stage reads is there; records why not.
  bool inputs_ready(size_t i, const ItemStage& s) {
    for (const char* in : s.inputs(c_)) {
      if (!plans_[i].fp.count(in) || stage_result(batch_[i], in)) continue;
      batch_[i].errors[s.name()] = fmt::format("waits for {}", in);
      return false;
    }
    return true;
  }

  // The batch's images decoded at once, each by one of the run's threads.
  void decode_where_needed() {
    images_.resize(batch_.size());
    tbb::parallel_for(size_t(0), batch_.size(), [this](size_t i) {
      bool wanted = false;
      for (const std::string& s : plans_[i].todo) wanted |= reads_image(s);
      if (!wanted) return;
      auto d = decode_image(batch_[i].file);
      if (!d) {
        for (const std::string& s : plans_[i].todo) {
          if (reads_image(s)) fail(i, s, d.error().message, /*transient=*/false);
        }
        batch_[i].errors["decode"] = d.error().to_string();
        return;
      }
      images_[i] = std::move(d->image);
    });
  }

  // The stages that read the image alone (the models, the hashes) all at once: a batched
  // stage's one call for the batch beside one task per item and stage, on the run's threads
  // (oneTBB takes them as threads come free, so no model's session waits while another's queue
  // is long; each session computes on the thread that calls it, see run.cc's thread split).
  void run_image_stages() {
    std::vector<size_t> before(batch_.size());
    for (size_t i = 0; i < batch_.size(); ++i) before[i] = batch_[i].computed.size();
    std::vector<const ItemStage*> each;  // computed an item at a time
    tbb::task_group tasks;
    for (const ItemStage* s : item_stages()) {
      if (!s->reads_only_the_image()) continue;
      if (!s->batched()) {
        each.push_back(s);
        continue;
      }
      tasks.run([this, s] { timed(s->name(), [&] { return compute_batch(*s); }); });
    }
    for (size_t i = 0; i < batch_.size(); ++i) {
      for (const ItemStage* s : each) {
        if (!plans_[i].todo.count(s->name())) continue;
        tasks.run([this, i, s] {
          timed(s->name(), [&] {
            compute(i, *s);
            return images_[i] ? size_t(1) : size_t(0);
          });
        });
      }
    }
    tasks.wait();
    // They finished in any order: the record lists them in their own, as one after another would.
    for (size_t i = 0; i < batch_.size(); ++i) {
      std::vector<std::string>& computed = batch_[i].computed;
      std::stable_sort(computed.begin() + ptrdiff_t(before[i]), computed.end(),
                       [](const std::string& a, const std::string& b) { return item_stage_index(a) < item_stage_index(b); });
    }
  }

  // Runs `work` (which returns how many images it computed) and adds its time to the stage's.
  template <typename Work>
  void timed(const char* stage, Work&& work) {
    const auto t0 = std::chrono::steady_clock::now();
    const size_t images = work();
    if (c_.stage_times && images > 0) {
      c_.stage_times->add(stage, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), images);
    }
  }

  // A batched stage over the batch's items that need it and decoded. Returns how many.
  size_t compute_batch(const ItemStage& s) {
    std::vector<size_t> who;
    std::vector<StageInput> in;
    for (size_t i = 0; i < batch_.size(); ++i) {
      if (!plans_[i].todo.count(s.name()) || !images_[i]) continue;
      who.push_back(i);
      in.push_back(StageInput{batch_[i], &*images_[i], c_});
    }
    if (who.empty()) return 0;
    std::vector<StageOutput> out = s.compute_batch(in);
    for (size_t k = 0; k < who.size(); ++k) record(who[k], s.name(), std::move(out[k]));
    return who.size();
  }

  void compute(size_t i, const ItemStage& s) {
    if (!inputs_ready(i, s)) return;
    if (s.reads_image() && !images_[i]) return;  // the decode failed: recorded
    record(i, s.name(), s.compute(StageInput{batch_[i], images_[i] ? &*images_[i] : nullptr, c_}));
  }

  void write_sidecars(size_t i) {
    ItemState& it = batch_[i];
    // Not written: the export's facts are still those of this run's results, never an earlier
    // run's (the manifest may still hold them), and the item is not in the metadata files.
    auto unwritten = [&] {
      ExportFacts facts = export_facts_of(it, c_.config);
      facts.complete = false;
      facts.kohya_entry.clear();
      facts.hf_fields.clear();
      it.exports = StageResult{"unwritten", encode_export_facts(facts), "", 0};
      it.exports_made = true;
    };
    for (const auto& [stage, f] : plans_[i].fp) {
      if (!stage_result(it, stage.c_str())) return unwritten();  // not everything is there: nothing is written
    }
    // Written from the same results and options, and not touched since: nothing to read or write.
    const std::string key = sidecar_key(it, c_);
    auto record = cached_[i].find(kSidecarsRecord);
    // The batch's items share a few folders: each is opened once a batch, not once an item.
    const int folder = folders_.get(split_parent(it.item.path).first);
    const bool written = record != cached_[i].end() && record->second.fingerprint == key &&
                         record->second.data == sidecar_stamps(it, c_.config, folder);
    if (!written) {
      if (auto st = write_item_sidecars(it, c_.config); !st.ok()) {
        it.errors["write"] = st.error().to_string();
        return unwritten();
      }
      it.sidecars = StageResult{key, sidecar_stamps(it, c_.config, folder), "", 0};
    }
    // The export's facts, made here from the results at hand, once for this key.
    auto facts = cached_[i].find(kExportsRecord);
    if (facts == cached_[i].end() || facts->second.fingerprint != key) {
      it.exports = StageResult{key, encode_export_facts(export_facts_of(it, c_.config)), "", 0};
      it.exports_made = true;
    } else {
      it.exports = facts->second;
    }
  }

  std::vector<ItemState>& batch_;
  const RunContext& c_;
  std::vector<Plan> plans_;
  std::vector<std::optional<Image8>> images_;
  std::unique_ptr<std::mutex[]> locks_{new std::mutex[batch_.size()]};  // one an item: its results
  DirHandles folders_{c_.work};  // the items' folders, for write_sidecars' stamps
  std::span<const std::map<std::string, StageResult>> cached_;  // run()'s
};

}  // namespace

bool must_retry(const StageResult& r, const RunSection& run) {
  if (!r.error.empty()) return r.retry > 0 || run.retry_failed;
  return r.retry > 0 && !run.accept_fallbacks && r.retry < run.fallback_runs;
}

bool falls_back(const ItemState& it, const RunSection& run) {
  return std::any_of(it.results.begin(), it.results.end(),
                     [&](const auto& r) { return r.second.error.empty() && must_retry(r.second, run); });
}

namespace {

ItemState item_of(const ManifestItem& item, std::vector<std::pair<std::string, StageResult>>& rows,
                  const RunContext& c) {
  ItemState it;
  it.item = item;
  it.file = c.work / item.path;
  for (auto& [stage, r] : rows) {  // the records of files and facts are not results
    if (stage == kExportsRecord) {
      it.exports = std::move(r);
    } else if (stage != kSidecarsRecord) {
      it.results[stage] = std::move(r);
    }
  }
  if (const StageResult* tags = stage_result(it, kStageTags)) {
    if (const auto own = peek_string(tags->data, "own")) it.existing_tags = *own;
  }
  return it;
}

}  // namespace

Result<ItemState> load_item(Manifest& m, const ManifestItem& item, const RunContext& c) {
  auto rows = m.results(item.path);
  if (!rows) return rows.error();
  return item_of(item, *rows, c);
}

Result<ItemState> load_item(Manifest::ResultsInOrder& results, const ManifestItem& item, const RunContext& c) {
  auto rows = results.of(item.path);
  if (!rows) return rows.error();
  return item_of(item, *rows, c);
}

void process_batch(std::vector<ItemState>& batch, std::span<const std::map<std::string, StageResult>> cached,
                   const RunContext& context) {
  BatchRunner(batch, context).run(cached);
}

}  // namespace tagforge
