// The models tagforge knows by name: data/models.toml (docs/MODELS.md). An
// entry says what kind of model it is, where it comes from (a repository on
// the Hugging Face hub, or a folder a set-up script fills from a registry
// package), which files a stage needs, its licence and size, and each file's
// sha256 when it is known. `[defaults]` names the model of each stage.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tagforge/error.h"

namespace tagforge {

struct CatalogueFile {
  std::string path;    // in the repository ("model.onnx"; under the entry's subfolder)
  std::string sha256;  // lowercase hex; empty: not pinned here (the lock file pins it)
};

struct CatalogueEntry {
  std::string name;
  std::string kind;  // "wd-v3", "joytag", "yolo", "isnet", "nsfw"
  std::string description;
  std::string licence;
  std::string size;  // as the hub lists it, for people: "379 MB"

  // A hub model: repository, revision (a branch, tag or commit), and the
  // folder inside it that holds the files ("" for the top).
  std::string repo, revision, subfolder;
  std::vector<CatalogueFile> files;

  // A bundled model: its folder under the bundled models folder, and the
  // set-up script that makes it. Empty for hub models.
  std::string bundled, fetch_script;

  // The model.toml the folder lacks (TOML text); empty: the files say.
  std::string profile;

  bool from_hub() const { return bundled.empty(); }
  // "subfolder/path", the file's path in the repository.
  std::string repo_path(const CatalogueFile& f) const;
};

// The stages that take a model, in the order a run uses them.
inline constexpr std::string_view kModelStages[] = {"tagger", "detectors", "segmenter", "nsfw"};

struct Catalogue {
  std::vector<CatalogueEntry> entries;                        // in the file's order
  std::map<std::string, std::vector<std::string>> defaults;  // stage -> model names

  const CatalogueEntry* find(std::string_view name) const;
  // The stage's default models ("detectors" may have several); empty if none.
  const std::vector<std::string>& defaults_of(std::string_view stage) const;
  // "face, head, …": the names, for messages.
  std::string names() const;
};

// Parses catalogue text; errors name `origin`, the entry and the key.
Result<Catalogue> parse_catalogue(std::string_view text, const std::filesystem::path& origin);

// The catalogue the program uses: $TAGFORGE_MODEL_CATALOGUE if set, else
// models.toml in the data folder (find_data_dir).
Result<Catalogue> load_catalogue(const std::filesystem::path& data_dir = {});

// The folder bundled models live in: $TAGFORGE_MODELS_DIR, else
// share/tagforge/models beside an installed binary, else the source tree's
// third_party/models (where scripts/fetch_*.sh put them).
std::filesystem::path bundled_models_dir();

}  // namespace tagforge
