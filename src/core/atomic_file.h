// Writing a whole file so that readers see the old bytes or the new ones,
// never a mix, even across a crash: temporary name, fsync, rename, fsync dir.
#pragma once

#include <filesystem>
#include <string_view>

#include "tagforge/error.h"

namespace tagforge {

enum class Overwrite { kNever, kReplace };

// Writes `data` to `path` atomically. With Overwrite::kNever an existing
// `path` is an error (kExists) and is left untouched; with kReplace the new
// file keeps the old one's permission bits.
Status write_file_atomic(const std::filesystem::path& path, std::string_view data,
                         Overwrite policy = Overwrite::kNever);

}  // namespace tagforge
