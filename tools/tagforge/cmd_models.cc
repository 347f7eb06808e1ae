// `tagforge models list | pull NAME... | verify [NAME...] | path NAME | rm NAME...`:
// the model catalogue (data/models.toml) and the Hugging Face cache
// (src/models/). Downloads follow the hub's conventions: HF_ENDPOINT,
// HF_HOME / HF_HUB_CACHE, HF_HUB_OFFLINE, HF_TOKEN.
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <cstdio>

#include "commands.h"
#include "models/model_registry.h"
#include "models/pull.h"

namespace tagforge::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
constexpr const char* kCommand = "tagforge models";

struct Args {
  std::vector<std::string> names;
  bool json = false, quiet = false, update = false;
  int retries = 5;
  double backoff_s = 1.0;
};

std::string megabytes(uint64_t bytes) { return fmt::format("{:.1f} MB", double(bytes) / 1e6); }

// One line of bytes, rate and time left: redrawn on a terminal, every few seconds otherwise.
class ByteProgress {
 public:
  explicit ByteProgress(bool quiet) : quiet_(quiet), tty_(::isatty(2)) {}
  ~ByteProgress() { finish(); }

  void update(const std::string& file, uint64_t done, uint64_t total) {
    if (quiet_ || total == 0) return;
    const auto now = Clock::now();
    if (file != file_) {
      finish();
      file_ = file;
      start_ = last_ = now;
      first_ = done;  // a resumed download: the rate counts only this run's bytes
    }
    const double since_draw = std::chrono::duration<double>(now - last_).count();
    if (done < total && since_draw < (tty_ ? 0.1 : 5.0)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? double(done - first_) / secs : 0;
    const double left = rate > 0 ? double(total - done) / rate : 0;
    const std::string line = fmt::format("  {}  {} / {}  {:.1f} MB/s  {}:{:02d} left", file, megabytes(done),
                                         megabytes(total), rate / 1e6, int(left) / 60, int(left) % 60);
    if (tty_) std::fprintf(stderr, "\r%-79s", line.c_str());
    else std::fprintf(stderr, "%s\n", line.c_str());
    drawn_ = true;
  }
  void finish() {
    if (drawn_ && tty_) std::fputc('\n', stderr);
    drawn_ = false;
    file_.clear();
  }

 private:
  bool quiet_, tty_;
  bool drawn_ = false;
  std::string file_;
  uint64_t first_ = 0;
  Clock::time_point start_, last_;
};

// The registry, or the error that keeps the commands from working.
std::optional<ModelRegistry> open_registry() {
  ModelRegistry r = ModelRegistry::open();
  if (r.load_error()) {
    std::fprintf(stderr, "%s: %s\n", kCommand, r.load_error()->to_string().c_str());
    return std::nullopt;
  }
  return r;
}

// Runs `each` on the entries `names` names (every entry when there are none
// and `all_if_empty`). The exit code: 2 when the registry cannot be read or
// a name is unknown (then nothing runs), 1 when `each` failed for one.
int for_each_entry(const std::vector<std::string>& names, bool all_if_empty,
                   const std::function<bool(ModelRegistry&, const CatalogueEntry&)>& each) {
  auto r = open_registry();
  if (!r) return kExitFatal;
  std::vector<const CatalogueEntry*> entries;
  for (const std::string& n : names) {
    const CatalogueEntry* e = r->catalogue().find(n);
    if (!e) {
      std::fprintf(stderr, "%s: no model named '%s' in the catalogue (%s)\n", kCommand, n.c_str(),
                   r->catalogue().names().c_str());
      return kExitFatal;
    }
    entries.push_back(e);
  }
  if (names.empty() && all_if_empty) {
    for (const auto& e : r->catalogue().entries) entries.push_back(&e);
  }
  int rc = kExitOk;
  for (const CatalogueEntry* e : entries) {
    if (!each(*r, *e)) rc = kExitSomeFailed;
  }
  return rc;
}

// Writes the lock file after a change; false (with the error printed) when it cannot.
bool save_lock(const ModelRegistry& r, const char* verb) {
  Status st = write_model_lock(r.settings().lock_file, r.lock());
  if (!st.ok()) std::fprintf(stderr, "%s %s: %s\n", kCommand, verb, st.error().to_string().c_str());
  return st.ok();
}

std::string default_for(const Catalogue& c, const std::string& name) {
  std::string stages;
  for (const auto& [stage, names] : c.defaults) {
    if (std::find(names.begin(), names.end(), name) != names.end()) stages += (stages.empty() ? "" : ",") + stage;
  }
  return stages;
}

int list(const Args& a) {
  auto r = open_registry();
  if (!r) return kExitFatal;
  const HubSettings& s = r->settings();
  nlohmann::ordered_json models = nlohmann::ordered_json::array();
  if (!a.json) {
    std::printf("hub: %s%s   cache: %s\nlock: %s\n\n", s.endpoint.c_str(), s.offline ? " (offline)" : "",
                s.cache.c_str(), s.lock_file.c_str());
    std::printf("%-26s %-7s %-8s %-11s %s\n", "NAME", "KIND", "SIZE", "DEFAULT", "INSTALLED");
  }
  for (const CatalogueEntry& e : r->catalogue().entries) {
    const auto loc = r->installed(e);
    const std::string stages = default_for(r->catalogue(), e.name);
    if (a.json) {
      nlohmann::ordered_json j{{"name", e.name},       {"kind", e.kind},         {"description", e.description},
                               {"licence", e.licence}, {"size", e.size},         {"default_for", stages},
                               {"installed", loc.has_value()}};
      if (e.from_hub()) j["repo"] = e.repo, j["revision"] = e.revision;
      else j["fetch"] = e.fetch_script;
      if (loc) j["dir"] = loc->dir.string();
      else j["install"] = ModelRegistry::install_command(e);
      models.push_back(std::move(j));
      continue;
    }
    const std::string where = loc ? (loc->commit.empty() ? "yes" : "yes, " + loc->commit.substr(0, 10))
                                  : "no: " + ModelRegistry::install_command(e);
    std::printf("%-26s %-7s %-8s %-11s %s\n", e.name.c_str(), e.kind.c_str(), e.size.c_str(),
                stages.empty() ? "-" : stages.c_str(), where.c_str());
  }
  if (a.json) std::puts(models.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
  return kExitOk;
}

int pull(const Args& a) {
  ByteProgress bar(a.quiet);
  PullOptions o;
  o.update = a.update;
  o.attempts = a.retries;
  o.backoff_s = a.backoff_s;
  o.progress = [&](const std::string& file, uint64_t done, uint64_t total) { bar.update(file, done, total); };
  return for_each_entry(a.names, false, [&](ModelRegistry& r, const CatalogueEntry& e) {
    if (!e.from_hub()) {
      auto loc = r.installed(e);
      if (!loc) {
        std::fprintf(stderr, "%s: %s is not on the hub: `%s` installs it\n", kCommand, e.name.c_str(),
                     e.fetch_script.c_str());
      } else if (!a.quiet) {
        std::fprintf(stderr, "%s: %s is bundled: %s\n", kCommand, e.name.c_str(), loc->dir.c_str());
      }
      return loc.has_value();
    }
    const auto start = Clock::now();
    auto got = pull_model(e, r, o);
    bar.finish();
    if (!got) {
      std::fprintf(stderr, "%s pull: %s\n", kCommand, got.error().to_string().c_str());
      return false;
    }
    const bool saved = save_lock(r, "pull");
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    if (a.quiet) return saved;
    if (got->cached) {
      std::fprintf(stderr, "%s: %s is in the cache: %s\n", kCommand, e.name.c_str(), got->location.dir.c_str());
    } else {
      std::fprintf(stderr, "%s: %s pulled, %s in %.1f s (%.1f MB/s): %s\n", kCommand, e.name.c_str(),
                   megabytes(got->downloaded).c_str(), secs, secs > 0 ? double(got->downloaded) / secs / 1e6 : 0.0,
                   got->location.dir.c_str());
    }
    return saved;
  });
}

int verify(const Args& a) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  const int rc = for_each_entry(a.names, true, [&](ModelRegistry& r, const CatalogueEntry& e) {
    if (a.names.empty() && !r.installed(e)) return true;  // all: only what is installed
    auto files = verify_model(e, r);
    if (!files) {
      std::fprintf(stderr, "%s verify: %s\n", kCommand, files.error().to_string().c_str());
      return false;
    }
    bool ok = true;
    for (const VerifiedFile& f : *files) {
      ok = ok && f.problem.empty();
      if (a.json) {
        out.push_back({{"model", e.name}, {"file", f.path}, {"sha256", f.sha256}, {"ok", f.problem.empty()},
                       {"problem", f.problem}});
      } else {
        std::printf("%s %s %s%s\n", f.problem.empty() ? "ok  " : "BAD ", e.name.c_str(), f.path.c_str(),
                    f.problem.empty() ? "" : (": " + f.problem + "; `tagforge models rm` then `pull` it again").c_str());
      }
    }
    if (files->empty() && !a.json) std::printf("ok   %s (bundled: checked by %s)\n", e.name.c_str(), e.fetch_script.c_str());
    return ok;
  });
  if (a.json && rc != kExitFatal) std::puts(out.dump().c_str());
  return rc;
}

int path(const Args& a) {
  return for_each_entry(a.names, false, [&](ModelRegistry& r, const CatalogueEntry& e) {
    auto loc = r.installed(e);
    if (loc) std::printf("%s\n", loc->dir.c_str());
    else std::fprintf(stderr, "%s path: %s is not installed: run `%s`\n", kCommand, e.name.c_str(),
                      ModelRegistry::install_command(e).c_str());
    return loc.has_value();
  });
}

int remove(const Args& a) {
  return for_each_entry(a.names, false, [&](ModelRegistry& r, const CatalogueEntry& e) {
    auto freed = remove_model(e, r);
    if (!freed) {
      std::fprintf(stderr, "%s rm: %s\n", kCommand, freed.error().to_string().c_str());
      return false;
    }
    if (!a.quiet) std::fprintf(stderr, "%s: %s removed, %s freed\n", kCommand, e.name.c_str(), megabytes(*freed).c_str());
    return save_lock(r, "rm");
  });
}

}  // namespace

Runner add_models_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "models", "The models tagforge knows by name: list them, pull them from the Hugging Face hub, verify, remove");
  cmd->require_subcommand(1);
  auto a = std::make_shared<Args>();
  auto* list_cmd = cmd->add_subcommand("list", "Every model of the catalogue, whether it is installed, which stage uses it by default");
  list_cmd->add_flag("--json", a->json, "One JSON array");
  auto* pull_cmd = cmd->add_subcommand("pull", "Download models into the Hugging Face cache (resumed, verified, locked)");
  pull_cmd->add_option("NAME", a->names, "Model names (tagforge models list)")->required();
  pull_cmd->add_flag("--update", a->update, "Resolve the revision afresh and replace what the lock file pinned");
  pull_cmd->add_flag("-q,--quiet", a->quiet, "Only errors");
  pull_cmd->add_option("--retries", a->retries, "Attempts per request (a cut connection resumes where it stopped)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  pull_cmd->add_option("--backoff", a->backoff_s, "Seconds before the first retry; doubled each time (at most 30)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 60.0));
  auto* verify_cmd = cmd->add_subcommand("verify", "Hash installed models' files against their ETags, pins and the lock file");
  verify_cmd->add_option("NAME", a->names, "Model names; none: every installed model");
  verify_cmd->add_flag("--json", a->json, "One JSON array of files");
  auto* path_cmd = cmd->add_subcommand("path", "Print the folder an installed model is in");
  path_cmd->add_option("NAME", a->names, "Model names")->required();
  auto* rm_cmd = cmd->add_subcommand("rm", "Remove models from the cache (blobs other snapshots share stay) and the lock file");
  rm_cmd->add_option("NAME", a->names, "Model names")->required();
  rm_cmd->add_flag("-q,--quiet", a->quiet, "Only errors");
  return [=] {
    if (list_cmd->parsed()) return list(*a);
    if (pull_cmd->parsed()) return pull(*a);
    if (verify_cmd->parsed()) return verify(*a);
    if (path_cmd->parsed()) return path(*a);
    return remove(*a);
  };
}

}  // namespace tagforge::cli
