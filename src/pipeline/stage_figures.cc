#include "pipeline/stage_figures.h"

#include <algorithm>

#include "core/atomic_file.h"

namespace tagforge {

using json = nlohmann::ordered_json;

json stage_figures_json(const RunSummary& s) {
  json stages = json::object();
  for (const auto& [name, c] : s.stages) {
    json& j = stages[name];
    j = {{"computed", c.computed}, {"reused", c.reused}, {"failed", c.failed}, {"fell_back", c.fell_back}};
    if (c.timed_images == 0) continue;
    j["busy_seconds"] = c.busy_seconds;
    j["images_per_busy_second"] = c.images_per_busy_second();
    j["device"] = stage_device(s, name);
  }
  return stages;
}

Status write_stage_figures(const std::filesystem::path& out, const RunSummary& s) {
  const bool timed = std::any_of(s.stages.begin(), s.stages.end(), [](const auto& e) { return e.second.timed_images > 0; });
  if (!timed) return ok_status();
  json models = json::array();
  for (const StageModel& m : s.models) {
    if (!m.device.empty()) models.push_back({{"stage", m.stage}, {"model", m.model}, {"device", m.device}});
  }
  const json doc{{"seconds", s.seconds}, {"stages", stage_figures_json(s)}, {"models", models}};
  return write_file_atomic(out / kStageFiguresFile, doc.dump(1, ' ', false, json::error_handler_t::replace) + "\n",
                           Overwrite::kReplace);
}

}  // namespace tagforge
