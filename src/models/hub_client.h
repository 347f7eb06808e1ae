// Talking to the Hugging Face hub (or a mirror: $HF_ENDPOINT) the way
// huggingface_hub does: a HEAD on /REPO/resolve/REVISION/PATH says the
// commit the revision stands for (X-Repo-Commit), the file's ETag (an LFS
// file's sha256 in X-Linked-Etag) and size (X-Linked-Size) and, for an LFS
// file, where its bytes are (a redirect to a CDN); a GET fetches them, resumed
// with Range. The token goes only to the endpoint's own host.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "models/file_digest.h"
#include "models/hub_cache.h"
#include "tagforge/error.h"

namespace tagforge {

struct HubFileInfo {
  std::string commit;  // X-Repo-Commit
  std::string etag;    // without quotes or W/: sha256 (LFS) or the git blob id
  uint64_t size = 0;
  std::string url;     // where the bytes are (the redirect's target for LFS files)
  bool lfs() const { return etag.size() == 64; }
};

// What went wrong, so a caller can say what to do about it.
enum class HubFault { kNone, kNetwork, kAuth, kNotFound, kServer, kProtocol, kFile };

struct HubError {
  HubFault fault = HubFault::kNone;
  std::string message;  // one line; never the token
};

template <typename T>
struct HubResult {
  std::optional<T> value;
  HubError error;
  bool ok() const { return value.has_value(); }
};

// Called as bytes arrive: (bytes of the file on disk now, its size).
using DownloadProgress = std::function<void(uint64_t done, uint64_t total)>;

class HubClient {
 public:
  explicit HubClient(const HubSettings& settings);

  // Attempts per request (connection faults, 429 and 5xx are tried again,
  // with exponential backoff from `backoff_s`).
  void set_retries(int attempts, double backoff_s);

  // HEAD of a file. Relative redirects (a renamed repository) are followed; an
  // absolute one is where the bytes are.
  HubResult<HubFileInfo> file_info(std::string_view repo, std::string_view revision, std::string_view path);

  // Downloads `info.url` into `partial`, appending from its current size
  // (Range), until it holds `info.size` bytes, and returns the digest of the
  // whole file (the part already on disk is read first). A connection cut is
  // resumed where it stopped; a server that ignores Range starts it over. The
  // file is fsync'd before returning; on failure it stays for a later resume.
  HubResult<FileDigest> download(const HubFileInfo& info, const std::filesystem::path& partial,
                                 const DownloadProgress& progress);

  const std::string& endpoint() const { return s_.endpoint; }

 private:
  HubSettings s_;
  int attempts_ = 5;
  double backoff_s_ = 1.0;
};

// "https://host:port" and "/path?query" of a URL; false when it is not http(s).
bool split_url(std::string_view url, std::string& origin, std::string& path);

// The path segments of a repository file, percent-encoded for a URL.
std::string url_encode_path(std::string_view path);

}  // namespace tagforge
