// Walking a work folder (or an output): every regular file below a root,
// never entering a folder named .tagforge (the run's own state lives there).
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace tagforge {

// `visit(file, relative)` for each file; `relative` is its path below `root`.
// The visit may remove the file it is given. Unreadable folders are skipped.
void for_each_file(const std::filesystem::path& root,
                   const std::function<void(const std::filesystem::path& file, const std::string& relative)>& visit);

}  // namespace tagforge
