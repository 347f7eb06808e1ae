// Models by name: the catalogue, the hub settings from the environment and
// the lock file together. It says where an installed model is (a snapshot in
// the hub cache, or a bundled folder) without touching the network, and what
// to run when it is not installed. A folder path is taken as it is, so every
// place that takes a model takes either.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "models/catalogue.h"
#include "models/hub_cache.h"
#include "models/lock_file.h"
#include "tagforge/error.h"

namespace tagforge {

// A model ready to open: its folder and, when the folder alone does not say
// how to run it, the catalogue's profile (model.toml text).
struct ModelLocation {
  std::string name;     // the catalogue name; empty for a folder given by path
  std::filesystem::path dir;
  std::string profile;  // empty: the folder's own model.toml or files
  std::string commit;   // the hub commit of the snapshot; empty otherwise
};

class ModelRegistry {
 public:
  // Reads the catalogue (see load_catalogue), the environment and the lock
  // file. Their errors are kept and returned by whatever needs them, so a run
  // that names only folders does not depend on them.
  static ModelRegistry open(const std::filesystem::path& data_dir = {});
  ModelRegistry(Catalogue catalogue, HubSettings settings, ModelLock lock);

  // An existing folder is taken as it is; otherwise `name_or_dir` must be a
  // catalogue name, installed: the error of one that is not installed says
  // the command that installs it; of an unknown name, the names there are.
  Result<ModelLocation> locate(std::string_view name_or_dir) const;

  // The installed copy of `e`, or nothing; never the network.
  std::optional<ModelLocation> installed(const CatalogueEntry& e) const;

  // The folder a bundled model is in (or would be). REQUIRES: !e.from_hub()
  static std::filesystem::path bundled_dir(const CatalogueEntry& e);

  // "tagforge models pull NAME", or the set-up script of a bundled model.
  static std::string install_command(const CatalogueEntry& e);

  const Catalogue& catalogue() const { return catalogue_; }
  const HubSettings& settings() const { return settings_; }
  const ModelLock& lock() const { return lock_; }
  ModelLock& mutable_lock() { return lock_; }
  // The first error reading the catalogue or the lock file, if any.
  const std::optional<Error>& load_error() const { return load_error_; }

 private:
  Catalogue catalogue_;
  HubSettings settings_;
  ModelLock lock_;
  std::optional<Error> load_error_;
};

}  // namespace tagforge
