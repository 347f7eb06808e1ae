// The Hugging Face hub's conventions, so that the caches and mirrors users
// already have work: where the cache is, how a repository is laid out in it,
// and the environment variables huggingface_hub reads.
//
//   $HF_HUB_CACHE (else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub,
//   else ~/.cache/huggingface/hub)
//     models--ORG--NAME/
//       blobs/ETAG                 the file's bytes, named by its ETag: the
//                                  sha256 of an LFS file, the git blob sha1
//                                  of a small one
//       blobs/ETAG.incomplete      a download under way (resumed with Range)
//       snapshots/COMMIT/PATH  ->  ../../blobs/ETAG (relative symlinks)
//       refs/REVISION              the commit a branch or tag resolved to
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "tagforge/error.h"

namespace tagforge {

struct HubSettings {
  std::string endpoint = "https://huggingface.co";  // $HF_ENDPOINT, without a trailing '/'
  std::filesystem::path cache;                       // the hub cache (see above)
  bool offline = false;                              // $HF_HUB_OFFLINE=1: never touch the network
  std::optional<std::string> token;                  // $HF_TOKEN, else the file huggingface-cli login wrote
  std::filesystem::path lock_file;                   // $TAGFORGE_MODELS_LOCK, else ~/.config/tagforge/models.lock

  // Read from the environment as huggingface_hub reads it.
  static HubSettings from_environment();
};

// "models--ORG--NAME" under the cache.
std::filesystem::path hub_repo_dir(const std::filesystem::path& cache, std::string_view repo);

// True when `revision` is a full commit id (40 hex digits).
bool is_commit_id(std::string_view revision);

// The commit `revision` stands for in the cache: itself when it is a commit,
// else refs/REVISION's content. Nothing when the cache has no such ref.
std::optional<std::string> hub_cached_commit(const std::filesystem::path& repo_dir, std::string_view revision);

// Writes refs/REVISION = commit (atomically); nothing for a commit revision.
Status hub_write_ref(const std::filesystem::path& repo_dir, std::string_view revision, std::string_view commit);

// Makes snapshots/COMMIT/PATH a relative symlink to blobs/ETAG, replacing
// whatever was there, atomically (a temporary link renamed over it).
Status hub_link_snapshot(const std::filesystem::path& repo_dir, std::string_view commit, std::string_view path,
                         std::string_view etag);

}  // namespace tagforge
