#include "pipeline/stages/item_stage.h"

#include "pipeline/content_hash.h"

namespace tagforge {

namespace {

constexpr const char* kVersion = "1";  // bump when a stage's computation changes

}  // namespace

std::string stage_fingerprint(std::initializer_list<std::string_view> parts) {
  std::string joined = kVersion;
  for (std::string_view p : parts) joined.append("\x1f").append(p);
  return hash_bytes(joined);
}

Status ItemStage::load_model(const ModelLocation&, const RuntimeOptions&, RunContext&) const {
  return Error{ErrorCode::kInvalidInput, std::string("the ") + name() + " stage runs no model", {}};
}

std::vector<StageOutput> ItemStage::compute_batch(std::span<const StageInput> in) const {
  std::vector<StageOutput> out;
  out.reserve(in.size());
  for (const StageInput& one : in) out.push_back(compute(one));
  return out;
}

size_t item_stage_index(std::string_view name) {
  const auto stages = item_stages();
  size_t k = 0;
  while (k < stages.size() && name != stages[k]->name()) ++k;
  return k;
}

const ItemStage* find_item_stage(std::string_view name) {
  const size_t k = item_stage_index(name);
  return k < item_stages().size() ? item_stages()[k] : nullptr;
}

}  // namespace tagforge
