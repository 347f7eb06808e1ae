// DIR/.tagforge: where a folder keeps its journals and its lock.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "core/fs_ops.h"
#include "tagforge/error.h"

namespace tagforge {

std::filesystem::path journals_dir(const std::filesystem::path& root);

// Journals of `root`, oldest first ("sort-000001.tfj", …).
std::vector<std::filesystem::path> list_journals(const std::filesystem::path& root);
// The name the next journal gets.
std::filesystem::path next_journal_path(const std::filesystem::path& root);

// An exclusive lock on root/.tagforge/lock, held while the object lives.
// Fails with kBusy when another tagforge process holds it.
Result<UniqueFd> lock_state_dir(const std::filesystem::path& root);

}  // namespace tagforge
