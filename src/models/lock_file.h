// models.lock: what each model resolved to on its first pull (the commit and
// every file's sha256 and size), so that a later pull, on this machine or on
// a cluster node given the same file, gets the same bytes or says why not.
//
//   [wd-vit-tagger-v3]
//   repo = "SmilingWolf/wd-vit-tagger-v3"
//   revision = "main"
//   commit = "<40 hex digits>"
//   files = [ { path = "model.onnx", sha256 = "<64 hex digits>", size = 378536310 }, … ]
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tagforge/error.h"

namespace tagforge {

struct LockedFile {
  std::string path;  // in the repository
  std::string sha256;
  uint64_t size = 0;
};

struct LockedModel {
  std::string repo, revision, commit;
  std::vector<LockedFile> files;
  const LockedFile* file(std::string_view path) const;
};

struct ModelLock {
  std::map<std::string, LockedModel> models;  // by catalogue name
};

// A missing file is an empty lock; a damaged one is an error naming it.
Result<ModelLock> read_model_lock(const std::filesystem::path& file);
Result<ModelLock> parse_model_lock(std::string_view text, const std::filesystem::path& origin);
std::string format_model_lock(const ModelLock& lock);
// Written atomically (temporary, fsync, rename); the folder is made.
Status write_model_lock(const std::filesystem::path& file, const ModelLock& lock);

}  // namespace tagforge
