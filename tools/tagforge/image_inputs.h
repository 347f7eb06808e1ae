// The images a model command works on: files named on the command line, and
// the usable still images of named folders (scanned as `tagforge scan` does).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace tagforge::cli {

// Paths in the order given (folders in natural order). Folder scan errors
// are printed, prefixed with `command`, and counted in `failed`.
std::vector<std::filesystem::path> collect_images(const std::vector<std::string>& args, const char* command,
                                                  size_t& failed);

}  // namespace tagforge::cli
