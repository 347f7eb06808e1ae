#include "pipeline/stage_models.h"

#include <fmt/format.h>

#include <algorithm>

#include "pipeline/stages/item_stage.h"

namespace tagforge {

namespace {

void add(std::vector<StageModel>& out, const ModelRegistry& registry, const char* stage, const std::string& wanted,
         const char* catalogue_stage) {
  if (wanted == "none") return;
  if (!wanted.empty()) {
    StageModel m{stage, wanted, {}, false, {}, false, {}};
    auto loc = registry.locate(wanted);
    if (loc) m.location = std::move(*loc);
    else {
      m.why_not = loc.error().to_string();
      m.failed = true;
    }
    out.push_back(std::move(m));
    return;
  }
  for (const std::string& name : registry.catalogue().defaults_of(catalogue_stage)) {
    // parse_catalogue refuses a default the catalogue does not have, so the entry is there.
    const CatalogueEntry& e = *registry.catalogue().find(name);
    StageModel m{stage, name, {}, true, {}, false, {}};
    if (auto loc = registry.installed(e)) m.location = std::move(*loc);
    else m.why_not = fmt::format("not installed: `{}` installs it", ModelRegistry::install_command(e));
    out.push_back(std::move(m));
  }
}

}  // namespace

Result<ModelProfile> located_model_profile(const ModelLocation& loc) {
  auto profile = read_model_profile(loc.dir, loc.profile, "the model catalogue's profile of " + loc.name);
  if (profile && !loc.name.empty()) profile->name = loc.name;
  return profile;
}

std::vector<StageModel> choose_stage_models(const ModelsConfig& c, const ModelRegistry& registry) {
  std::vector<StageModel> out;
  for (const ItemStage* stage : item_stages()) {
    if (!stage->runs_a_model()) continue;
    const std::vector<std::string> named = stage->models_named(c);
    if (named.empty()) add(out, registry, stage->name(), "", stage->model_key());  // the catalogue's defaults
    for (const std::string& name : named) add(out, registry, stage->name(), name, stage->model_key());  // "none": off
  }
  return out;
}

std::string model_identity(const ModelLocation& loc) {
  namespace fs = std::filesystem;
  std::vector<std::string> parts;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(loc.dir, ec)) {
    if (!e.is_regular_file(ec)) continue;
    const auto time = fs::last_write_time(e.path(), ec).time_since_epoch().count();
    parts.push_back(fmt::format("{} {} {}", e.path().filename().string(), e.file_size(ec), time));
  }
  std::sort(parts.begin(), parts.end());
  std::string out = fs::absolute(loc.dir).lexically_normal().string();
  for (const auto& p : parts) out += "; " + p;
  if (!loc.profile.empty()) out += "; profile " + loc.profile;
  return out;
}

}  // namespace tagforge
