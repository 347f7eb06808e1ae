#include "models/model_registry.h"

#include <fmt/format.h>

namespace tagforge {

namespace fs = std::filesystem;

ModelRegistry ModelRegistry::open(const fs::path& data_dir) {
  std::optional<Error> error;
  auto catalogue = load_catalogue(data_dir);
  if (!catalogue) error = catalogue.error();
  HubSettings settings = HubSettings::from_environment();
  auto lock = read_model_lock(settings.lock_file);
  if (!lock && !error) error = lock.error();
  ModelRegistry r(catalogue ? std::move(*catalogue) : Catalogue{}, std::move(settings),
                  lock ? std::move(*lock) : ModelLock{});
  r.load_error_ = std::move(error);
  return r;
}

ModelRegistry::ModelRegistry(Catalogue catalogue, HubSettings settings, ModelLock lock)
    : catalogue_(std::move(catalogue)), settings_(std::move(settings)), lock_(std::move(lock)) {}

std::string ModelRegistry::install_command(const CatalogueEntry& e) {
  return e.from_hub() ? "tagforge models pull " + e.name : e.fetch_script;
}

fs::path ModelRegistry::bundled_dir(const CatalogueEntry& e) { return bundled_models_dir() / e.bundled; }

std::optional<ModelLocation> ModelRegistry::installed(const CatalogueEntry& e) const {
  std::error_code ec;
  ModelLocation loc{e.name, {}, e.profile, {}};
  if (!e.from_hub()) {
    loc.dir = bundled_dir(e);
    const bool present = fs::is_regular_file(loc.dir / "model.toml", ec) || fs::is_regular_file(loc.dir / "model.onnx", ec);
    if (!present) return std::nullopt;
    return loc;
  }
  const fs::path repo_dir = hub_repo_dir(settings_.cache, e.repo);
  // The lock's commit first (what this machine pinned), else what the revision's ref says.
  std::optional<std::string> commit;
  if (auto it = lock_.models.find(e.name); it != lock_.models.end() && it->second.repo == e.repo) {
    commit = it->second.commit;
  } else {
    commit = hub_cached_commit(repo_dir, e.revision);
  }
  if (!commit) return std::nullopt;
  const fs::path snapshot = repo_dir / "snapshots" / *commit;
  for (const CatalogueFile& f : e.files) {
    if (!fs::is_regular_file(snapshot / e.repo_path(f), ec)) return std::nullopt;  // follows the link to its blob
  }
  loc.commit = *commit;
  loc.dir = e.subfolder.empty() ? snapshot : snapshot / e.subfolder;
  return loc;
}

Result<ModelLocation> ModelRegistry::locate(std::string_view name_or_dir) const {
  std::error_code ec;
  const fs::path as_path(name_or_dir);
  if (fs::is_directory(as_path, ec)) return ModelLocation{{}, as_path, {}, {}};
  const bool path_like = name_or_dir.find('/') != std::string_view::npos || name_or_dir.empty();
  if (load_error_ && !path_like) return *load_error_;
  const CatalogueEntry* e = path_like ? nullptr : catalogue_.find(name_or_dir);
  if (!e) {
    return Error{ErrorCode::kNotFound,
                 path_like ? std::string("no model folder here")
                           : fmt::format("neither a model folder nor a model name the catalogue knows ({}; "
                                         "`tagforge models list` shows them)",
                                         catalogue_.names()),
                 as_path};
  }
  if (auto loc = installed(*e)) return *loc;
  return Error{ErrorCode::kNotFound,
               fmt::format("model {} is not installed (looked in {}): run `{}`{}", e->name,
                           e->from_hub() ? settings_.cache.string() : bundled_dir(*e).string(), install_command(*e),
                           settings_.offline && e->from_hub() ? " without HF_HUB_OFFLINE=1" : ""),
               {}};
}

}  // namespace tagforge
