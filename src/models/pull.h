// Installing, checking and removing hub models in the hub cache.
//
// A pull resolves the entry's revision (or the lock file's commit, once
// there is one) file by file with HEAD requests, downloads what the cache
// lacks into blobs/ETAG.incomplete (resumed with Range), checks the whole file
// against the ETag (sha256 or git blob id), the catalogue's pin and the lock,
// then fsyncs and renames it to blobs/ETAG and links it into the snapshot.
// refs/REVISION is written last, when every file is in. A model whose files
// are all in the cache already needs no network at all.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/catalogue.h"
#include "models/hub_client.h"
#include "models/model_registry.h"

namespace tagforge {

struct PullOptions {
  bool update = false;  // resolve the catalogue's revision afresh, replacing the lock's commit
  int attempts = 5;     // per request: connection faults, 429 and 5xx are tried again
  double backoff_s = 1.0;
  // (file, bytes done, bytes in all), as a download goes; also (file, 0, 0) before a HEAD.
  std::function<void(const std::string& file, uint64_t done, uint64_t total)> progress;
};

struct PullResult {
  ModelLocation location;
  uint64_t downloaded = 0;  // bytes fetched by this pull
  bool cached = false;      // every file was in the cache already; no request was made
};

// Installs `e` (a hub entry) and records it in the registry's lock (the
// caller writes the lock file). Errors are one line naming the model, the
// file and what to do.
Result<PullResult> pull_model(const CatalogueEntry& e, ModelRegistry& registry, const PullOptions& options);

struct VerifiedFile {
  std::string path;
  std::string sha256;  // as computed now
  std::string problem;  // empty when it matches every record of it
};

// Hashes each file of the installed `e` and compares it with its blob name
// (the ETag), the catalogue's pin and the lock. An error when not installed.
Result<std::vector<VerifiedFile>> verify_model(const CatalogueEntry& e, const ModelRegistry& registry);

// Removes `e`'s snapshot links, the blobs no other snapshot uses, its ref and
// its lock entry (the caller writes the lock file); the repository folder
// goes when nothing is left in it. Returns the bytes freed.
Result<uint64_t> remove_model(const CatalogueEntry& e, ModelRegistry& registry);

}  // namespace tagforge
