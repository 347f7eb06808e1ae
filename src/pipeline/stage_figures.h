// Each per-item stage's figures of a run: what it computed, took from the
// manifest, failed, and for the stages that compute from pixels how fast
// (images over the summed time of its calls) and on which device. `--json`
// prints them; a run that computed anything keeps them in
// OUT/.tagforge/stages.json, where the review page reads them.
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

#include "pipeline/run.h"

namespace tagforge {

// OUT/.tagforge/stages.json, relative to the output folder.
inline constexpr const char* kStageFiguresFile = ".tagforge/stages.json";

// {stage: {computed, reused, failed, fell_back[, busy_seconds, images_per_busy_second, device]}}.
nlohmann::ordered_json stage_figures_json(const RunSummary& summary);

// Writes {"seconds", "stages", "models": [{stage, model, device}]} to OUT/kStageFiguresFile
// (atomically) when some stage was timed; a run that computed nothing leaves the last one's.
Status write_stage_figures(const std::filesystem::path& out, const RunSummary& summary);

}  // namespace tagforge
