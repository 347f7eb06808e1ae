#include "pipeline/run.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <set>
#include <span>
#include <thread>

#include "core/fault_injection.h"
#include "core/fs_ops.h"
#include "infer/model_profile.h"
#include "pipeline/content_hash.h"
#include "pipeline/dataset_dedupe.h"
#include "pipeline/export.h"
#include "pipeline/export_facts.h"
#include "pipeline/item_stages.h"
#include "pipeline/manifest.h"
#include "pipeline/output_lock.h"
#include "pipeline/item_exports.h"
#include "pipeline/run_inputs.h"
#include "pipeline/scratch.h"
#include "pipeline/settled.h"
#include "pipeline/stage_figures.h"
#include "pipeline/stage_models.h"
#include "pipeline/stage_times.h"
#include "pipeline/stages/item_stage.h"
#include "pipeline/stages/quality_stage.h"
#include "pipeline/stages/score_stage.h"
#include "tagforge/tag_db.h"

namespace tagforge {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

class Runner {
 public:
  explicit Runner(const RunOptions& o) : o_(o) {}

  Result<RunSummary> run() {
    const auto start = Clock::now();
    TF_RETURN_IF_ERROR(set_up());
    auto lock = OutputLock::take(c_.out / ".tagforge" / "run.lock");
    if (!lock) return lock.error();
    auto manifest = Manifest::open(c_.out / ".tagforge" / "manifest.sqlite");
    if (!manifest) return manifest.error();
    m_ = std::move(*manifest);
    events_.open(c_.out / ".tagforge" / "events.jsonl");
    event(json{{"event", "start"}, {"in", c_.in.string()}, {"out", c_.out.string()}});
    flush_events();
    TF_RETURN_IF_ERROR(m_->put_meta("config", format_config(c_.table, "")));

    auto scratch = Scratch::open(c_.out / ".tagforge" / "scratch.sqlite");
    if (!scratch) return scratch.error();
    scratch_ = std::move(*scratch);

    // Nothing changed since a settled run (settled.h): a stat walk, and that is all.
    const std::string identity = run_identity(c_, o_);
    auto t = Clock::now();
    auto settled = settled_record(identity);
    if (!settled) return settled.error();
    if (*settled) {
      auto found = look_for_changes(c_, *m_, **settled);
      if (!found) return found.error();
      bool done = *found == SinceSettled::kNothing;
      if (*found == SinceSettled::kBuckets) {  // a file placed in OUT is not as it was: put right
        unload_models();
        TF_RETURN_IF_ERROR(lock->writing());
        sweep_if_unfinished(*lock);
        auto placed = export_buckets(c_, *m_, *scratch_);
        if (!placed) return placed.error();
        done = placed->work_changed == 0 && placed->errors.empty();
      }
      if (done) {
        settled_summary(**settled, s_);
        auto dupes = m_->duplicates();
        if (!dupes) return dupes.error();
        s_.duplicates = std::move(*dupes);
        s_.settled = true;
        s_.phase_seconds["check"] = since(t);
        s_.seconds = since(start);
        event(json{{"event", "end"}, {"seconds", s_.seconds}, {"items", s_.items}, {"written", s_.written},
                   {"errors", s_.errors.size()}, {"settled", true}});
        lock->finished();
        return std::move(s_);
      }
      // IN or the work folder differs, or a bucket could not be put right: the full run does it.
    }
    TF_RETURN_IF_ERROR(forget_settled(*m_));
    TF_RETURN_IF_ERROR(lock->writing());

    t = Clock::now();
    auto inputs = prepare_inputs(c_, *m_, *scratch_, o_.shard);
    if (!inputs) return inputs.error();
    s_.phase_seconds["inputs"] = since(t);
    s_.items = inputs->items;
    s_.clips = inputs->clips;
    s_.frames = inputs->frames;
    s_.files = inputs->files;
    s_.unknown = inputs->unknown;
    s_.broken = inputs->broken;
    s_.skipped_by_shard = inputs->skipped_by_shard;
    s_.dropped = inputs->dropped;
    const bool inputs_whole = inputs->errors.empty();
    for (auto& e : inputs->errors) s_.errors.push_back(std::move(e));

    t = Clock::now();
    dupes_.emplace(c_.config.dedupe, scratch_->item_count());
    c_.stage_times = &stage_times_;
    TF_RETURN_IF_ERROR(run_passes());
    s_.phase_seconds["items"] = since(t);
    for (const ItemStage* st : item_stages()) {
      const char* stage = st->name();
      const StageTimes::Figures f = stage_times_.of(stage);
      if (f.images == 0) continue;
      s_.stages[stage].busy_seconds = f.seconds;
      s_.stages[stage].timed_images = f.images;
    }
    unload_models();  // the exports need none

    // Copies across the whole dataset, before the export files them (dataset_dedupe.h).
    t = Clock::now();
    auto dupes = dupes_->find(*m_, *scratch_, c_.work);
    if (!dupes) return dupes.error();
    s_.duplicates = std::move(*dupes);
    dupes_.reset();
    if (c_.config.dedupe.exact_copies || c_.config.dedupe.near_copies) s_.phase_seconds["dedupe"] = since(t);

    t = Clock::now();
    sweep_if_unfinished(*lock);
    bool exported_whole = true;
    std::string work_listing;
    if (!c_.in_place) {
      auto placed = export_buckets(c_, *m_, *scratch_);
      if (!placed) return placed.error();
      for (auto& e : placed->errors) s_.errors.emplace_back(e.first, "export: " + e.second);
      exported_whole = placed->errors.empty();
      work_listing = placed->work_listing;
    }
    s_.phase_seconds["export"] = since(t);
    s_.seconds = since(start);
    // This run's items (their rows as the inputs wrote them to the manifest and the scratch).
    const ItemSource items = [&](const std::function<Status(const ManifestItem&)>& visit) {
      return scratch_->for_each_item_row(visit);
    };
    TF_RETURN_IF_ERROR(write_item_exports(c_, *m_, *scratch_, items, s_, /*facts_current=*/true));
    s_.seconds = since(start);
    TF_RETURN_IF_ERROR(write_stage_figures(c_.out, s_));
    if (!c_.in_place && exported_whole && inputs_whole && s_.model_errors.empty() && s_.fell_back == 0 &&
        !unsettled_) {
      TF_RETURN_IF_ERROR(record_settled(*m_, c_, identity, s_, inputs->listing, work_listing));
    }
    event(json{{"event", "end"}, {"seconds", s_.seconds}, {"items", s_.items}, {"written", s_.written},
               {"errors", s_.errors.size()}, {"items_all_reused", items_reused_}});
    lock->finished();
    return std::move(s_);
  }

 private:
  Status set_up() {
    std::error_code ec;
    if (!fs::is_directory(o_.in, ec)) return Error{ErrorCode::kNotFound, "the input is not a folder", o_.in};
    c_.in = fs::absolute(o_.in).lexically_normal();
    c_.in_place = o_.in_place;
    c_.out = o_.in_place ? c_.in : fs::absolute(o_.out).lexically_normal();
    if (!o_.in_place && c_.in == c_.out) {
      return Error{ErrorCode::kInvalidInput,
                   "the output must be another folder than the input (the input is never written; --in-place opts in)",
                   c_.out};
    }
    c_.work = o_.in_place ? c_.in : c_.out / ".tagforge" / "work";
    TF_RETURN_IF_ERROR(make_directories(c_.work));
    TF_RETURN_IF_ERROR(make_directories(c_.out / ".tagforge"));
    c_.config = o_.config;
    c_.config.extract.resolve();
    c_.table = c_.config.table();
    c_.index_sections();

    std::vector<std::string> warnings;
    auto engine = load_tag_engine(TagEngineFiles{o_.data_dir, {}, {}}, &warnings);
    if (!engine) return engine.error();
    c_.engine = std::move(*engine);
    const fs::path data = find_data_dir(o_.data_dir);
    auto lexicon = Lexicon::load(data / "lexicon.txt", &c_.engine->db);
    if (!lexicon) return lexicon.error();
    c_.lexicon = std::make_unique<Lexicon>(std::move(*lexicon));
    for (const char* f : {"danbooru_tags.csv", "tag_rules.toml"}) {
      auto h = hash_file(data / f);
      if (!h) return h.error();
      c_.engine_identity += *h;
    }
    auto lh = hash_file(data / "lexicon.txt");
    if (!lh) return lh.error();
    c_.lexicon_identity = *lh;

    const ModelsConfig& mc = c_.config.models;
    RuntimeOptions runtime;
    // A pass's parallelism is `workers` threads (run_pass's arena) running its batches and the
    // stages of each at once (item_stages.cc). A session that also took every core for a pool of
    // its own would put several threads on each core; so by default each has the cores divided
    // by the workers: one thread, the caller's, when there are as many workers as cores.
    runtime.intra_op_threads = mc.threads > 0 ? mc.threads : int(std::max<size_t>(1, cores() / workers()));
    if (Status st = set_device(mc.device, runtime); !st.ok()) {
      return Error{ErrorCode::kInvalidInput, "[models] " + st.error().message, {}};
    }
    TF_RETURN_IF_ERROR(check_device_present(runtime));
    // Stage by stage, each model is unloaded as soon as it has proved it loads: never two at once.
    const bool one_at_a_time = c_.config.run.stage_by_stage;
    const ModelRegistry registry = ModelRegistry::open(o_.data_dir);
    s_.models = choose_stage_models(mc, registry);
    for (StageModel& m : s_.models) {
      auto off = [&](const std::string& why) {
        s_.model_errors.push_back(fmt::format("{}: {} (the {} stage is off)", m.stage, why, m.stage));
      };
      if (m.failed) off(m.why_not);
      if (!m.location) continue;
      const ItemStage* stage = find_item_stage(m.stage);
      Status loaded = stage ? stage->load_model(*m.location, runtime, c_)
                            : Error{ErrorCode::kInvalidInput, "no stage of that name", {}};
      if (loaded.ok()) {
        m.device = device_name(runtime);
        if (one_at_a_time) stage->unload_models(c_);
        continue;
      }
      off(loaded.error().to_string());
      m.failed = true;
      m.why_not = "failed to load (see the errors)";
      m.location.reset();
    }
    if (one_at_a_time) unload_models();  // each loads again when its pass starts
    if (c_.config.caption.llm.enabled()) set_up_llm(data);
    return ok_status();
  }

  // The vision LLM's captioner; when it cannot be set up (a prompt file, an API key variable),
  // captions stay deterministic and the summary says why.
  void set_up_llm(const fs::path& data) {
    const LlmCaptionConfig& l = c_.config.caption.llm;
    auto off = [&](const Error& e) {
      s_.model_errors.push_back(fmt::format("caption.llm: {} (LLM captions are off)", e.to_string()));
    };
    auto prompts = PromptTemplates::load(l.prompts.empty() ? data / "prompts" : fs::path(l.prompts));
    if (!prompts) return off(prompts.error());
    c_.prompts_identity = hash_bytes(prompts->identity());
    auto captioner = LlmCaptioner::open(l, std::move(*prompts), c_.engine->db, *c_.lexicon, score_options_of(c_.config));
    if (!captioner) return off(captioner.error());
    c_.llm = std::move(*captioner);
  }

  // A killed run's temporaries are not data; after a clean end there are none to look for.
  void sweep_if_unfinished(const OutputLock& lock) {
    if (!lock.left_unfinished()) return;
    sweep_leftovers(c_.work);
    sweep_leftovers(c_.out);
  }

  // The record of the settled run this one may repeat (look_for_changes tells).
  Result<std::optional<json>> settled_record(const std::string& identity) {
    if (c_.in_place || c_.config.run.retry_failed || !s_.model_errors.empty()) {
      return std::optional<json>();
    }
    return recall_settled(*m_, c_, identity);
  }

  static size_t cores() { return std::max(1u, std::thread::hardware_concurrency()); }
  // Batches in flight at once ([run] workers; 0: one a core).
  size_t workers() const { return c_.config.run.workers > 0 ? size_t(c_.config.run.workers) : cores(); }

  void unload_models() {
    for (const ItemStage* s : item_stages()) s->unload_models(c_);
  }

  // One pass over every item with everything on; or, stage by stage, one pass
  // per model (unloaded after it) and a last one for the rest.
  Status run_passes() {
    std::vector<std::string> all;
    for (const ItemStage* s : item_stages()) all.emplace_back(s->name());
    if (!c_.config.run.stage_by_stage) {
      c_.enabled = {all.begin(), all.end()};
      c_.write_outputs = true;
      return run_pass();
    }
    for (const ItemStage* s : item_stages()) {
      if (!s->runs_a_model() || !s->applies(c_)) continue;
      const char* stage = s->name();
      c_.enabled = {stage};
      c_.write_outputs = false;
      const auto t = Clock::now();
      TF_RETURN_IF_ERROR(run_pass());
      s_.stages[stage].seconds = since(t);
      passes_done_.insert(stage);
      unload_models();  // only this pass's model was loaded; it goes before the next loads
    }
    c_.enabled = {all.begin(), all.end()};
    c_.write_outputs = true;
    return run_pass();
  }

  Status run_pass() {
    const size_t batch = size_t(std::max(1, c_.config.run.batch));
    const size_t workers = this->workers();
    if (o_.progress) {
      std::vector<std::string> stages;
      for (const ItemStage* s : item_stages()) {
        if (c_.enabled.count(s->name()) && s->applies(c_)) stages.emplace_back(s->name());
      }
      o_.progress->begin(stages, scratch_->item_count());
    }
    // A token of the pipeline carries several model batches when there are items enough to keep
    // every worker busy anyway: a settled item costs microseconds, and each token a read and a
    // write transaction. The model stages still see `batch` items at a time, the same batches.
    const size_t per_token = batch * std::clamp<size_t>(scratch_->item_count() / (batch * workers * 16), 1, 8);
    uint64_t next = 0;
    Status failure = ok_status();
    struct Batch {
      std::vector<ItemState> items;
      std::vector<std::map<std::string, StageResult>> cached;
      std::vector<std::optional<DuplicateFinder::Candidate>> dupes;  // made here, added in order
    };
    // Read a batch and its rows (in order), compute it (in parallel), record it (in order).
    auto read = tbb::make_filter<void, std::shared_ptr<Batch>>(
        tbb::filter_mode::serial_in_order, [&](tbb::flow_control& fc) -> std::shared_ptr<Batch> {
          auto items = next < scratch_->item_count() && failure.ok()
                           ? scratch_->items(next, per_token, c_.work)
                           : Result<std::vector<ItemState>>(std::vector<ItemState>{});
          if (!items && failure.ok()) failure = items.error();
          if (!items || items->empty()) {
            fc.stop();
            return nullptr;
          }
          auto b = std::make_shared<Batch>();
          b->items = std::move(*items);
          std::vector<std::string> paths;
          for (const ItemState& s : b->items) paths.push_back(s.item.path);
          auto got = m_->results_of(paths);
          b->cached.resize(b->items.size());
          for (size_t k = 0; got && k < got->size(); ++k) {
            for (auto& [stage, r] : (*got)[k]) b->cached[k][stage] = std::move(r);
          }
          next += b->items.size();
          return b;
        });
    auto compute = tbb::make_filter<std::shared_ptr<Batch>, std::shared_ptr<Batch>>(
        tbb::filter_mode::parallel, [&](std::shared_ptr<Batch> b) {
          process_in_batches(b->items, b->cached, batch);
          if (c_.write_outputs) {
            for (const ItemState& it : b->items) b->dupes.push_back(dupes_->candidate_of(it));
          }
          return b;
        });
    auto write = tbb::make_filter<std::shared_ptr<Batch>, void>(tbb::filter_mode::serial_in_order,
                                                                [&](std::shared_ptr<Batch> b) {
                                                                  Status st = record(*b);
                                                                  if (!st.ok() && failure.ok()) failure = st;
                                                                });
    // The pass's threads are `workers` (the arena's), so the batches in flight and the stages
    // each runs at once never hold more model runs, or their memory, than --workers says; each
    // session has the cores divided by them (set_up).
    tbb::task_arena arena(static_cast<int>(workers));
    arena.execute([&] { tbb::parallel_pipeline(workers, read & compute & write); });
    if (o_.progress) o_.progress->end();
    return failure;
  }

  // The items through the stages `batch` at a time, as the model stages take them.
  void process_in_batches(std::vector<ItemState>& items, std::span<const std::map<std::string, StageResult>> cached,
                          size_t batch) {
    if (items.size() <= batch) return process_batch(items, cached, c_);
    for (size_t from = 0; from < items.size(); from += batch) {
      const size_t to = std::min(items.size(), from + batch);
      std::vector<ItemState> some(std::make_move_iterator(items.begin() + from), std::make_move_iterator(items.begin() + to));
      process_batch(some, cached.subspan(from, to - from), c_);
      std::move(some.begin(), some.end(), items.begin() + from);
    }
  }

  // The batch's new results into the manifest (one transaction), the counts, the events.
  template <typename Batch>
  Status record(Batch& b) {
    TF_RETURN_IF_ERROR(m_->begin());
    for (ItemState& it : b.items) {
      for (const std::string& stage : it.computed) {
        TF_RETURN_IF_ERROR(m_->put_result(it.item.path, stage, it.results[stage]));
      }
      if (it.sidecars) TF_RETURN_IF_ERROR(m_->put_result(it.item.path, kSidecarsRecord, *it.sidecars));
      // The pass that writes the outputs leaves every item's row current (write_sidecars): the
      // export takes it as it is (write_item_exports' facts_current).
      if (c_.write_outputs && it.exports_made) {
        TF_RETURN_IF_ERROR(m_->put_result(it.item.path, kExportsRecord, *it.exports));
      }
      std::string error;
      for (const auto& [stage, message] : it.errors) {
        error += (error.empty() ? "" : "; ") + stage + ": " + message;
        // Only an item's own failure, kept as final, lets the run be settled.
        auto r = it.results.find(stage);
        if (r == it.results.end() || r->second.error.empty() || must_retry(r->second, c_.config.run)) unsettled_ = true;
      }
      it.item.error = error;
      TF_RETURN_IF_ERROR(m_->set_item_error(it.item.path, error));  // the row is there since the inputs
    }
    TF_RETURN_IF_ERROR(m_->commit());
    crash_point();
    for (ItemState& it : b.items) {
      // Each stage is counted by the pass that has it on, once: stage by stage, the model
      // stages by their own passes, the rest by the last.
      for (const std::string& stage : it.computed) {
        const StageResult& r = it.results[stage];
        StageCount& n = s_.stages[stage];
        r.error.empty() ? ++n.computed : ++n.failed;
        if (r.error.empty() && must_retry(r, c_.config.run)) ++n.fell_back;
      }
      for (const std::string& stage : it.reused) {
        if (c_.enabled.count(stage) && !passes_done_.count(stage)) {
          it.results[stage].error.empty() ? ++s_.stages[stage].reused : ++s_.stages[stage].failed;
        }
      }
      if (c_.write_outputs) {
        for (const auto& [stage, message] : it.errors) s_.errors.emplace_back(it.item.path, stage + ": " + message);
        if (it.errors.empty()) ++(falls_back(it, c_.config.run) ? s_.fell_back : s_.written);
        if (it.errors.empty() && flagged(it, c_.config)) ++s_.flagged;
        if (fails_quality_gate(it)) ++s_.low_quality;
        if (it.errors.empty() && it.results.count(kStageTags) && untagged(it)) ++s_.untagged;
      }
      if (c_.write_outputs) {
        if (const auto& candidate = b.dupes[&it - b.items.data()]) dupes_->add(*candidate, position_);
        ++position_;
      }
      // An item whose every result was reused is only counted: a re-run of a million logs what it did.
      if (it.computed.empty() && it.errors.empty()) {
        if (c_.write_outputs) ++items_reused_;
        continue;
      }
      json e{{"event", "item"}, {"path", it.item.path}, {"computed", it.computed}, {"reused", it.reused}};
      if (!it.errors.empty()) e["errors"] = it.errors;
      event(std::move(e));
    }
    flush_events();
    if (o_.progress) {
      std::map<std::string, uint64_t> past;
      for (const ItemState& it : b.items) {
        for (const auto& [stage, result] : it.results) ++past[stage];
      }
      for (const auto& [stage, n] : past) o_.progress->advance(stage, n);
    }
    return ok_status();
  }

  void event(json e) {
    if (!events_.f) return;
    e["t"] = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    const std::string line = e.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    std::fwrite(line.data(), 1, line.size(), events_.f);
  }
  // Once a batch (a write per line cost as much as a settled run's rows).
  void flush_events() {
    if (events_.f) std::fflush(events_.f);
  }

  // Appended to run after run; once past kEventLogLimit it becomes events.1.jsonl (the one
  // before goes) and a new one starts, so the two hold the latest runs in bounded space.
  struct EventLog {
    static constexpr uintmax_t kEventLogLimit = uintmax_t{64} << 20;
    std::FILE* f = nullptr;
    void open(const fs::path& path) {
      std::error_code ec;
      if (fs::file_size(path, ec) > kEventLogLimit && !ec) {
        fs::path older = path;
        older.replace_extension(".1.jsonl");
        fs::rename(path, older, ec);  // if it cannot be moved, it grows
      }
      f = std::fopen(path.c_str(), "a");
    }
    ~EventLog() {
      if (f) std::fclose(f);
    }
  };

  const RunOptions& o_;
  RunContext c_;
  StageTimes stage_times_;
  RunSummary s_;
  std::unique_ptr<Manifest> m_;
  std::unique_ptr<Scratch> scratch_;  // this run's items and the export's plan
  std::set<std::string> passes_done_;  // stage by stage: the model stages whose pass is over
  bool unsettled_ = false;  // an item failed in a way the next run tries again
  std::optional<DuplicateFinder> dupes_;  // the items pass's images, for the dedupe after it
  uint64_t position_ = 0;                 // the next item's place in the scratch's order (the last pass)
  size_t items_reused_ = 0;               // items with nothing computed and no error: no event each
  EventLog events_;
};

}  // namespace

std::string stage_device(const RunSummary& summary, const std::string& stage) {
  for (const StageModel& m : summary.models) {
    if (m.stage == stage && !m.device.empty()) return m.device;
  }
  return "cpu";
}

Result<RunSummary> run_pipeline(const RunOptions& options) { return Runner(options).run(); }

}  // namespace tagforge
