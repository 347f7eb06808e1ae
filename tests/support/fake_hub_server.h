// A Hugging Face hub mirror for tests and benchmarks: it listens on
// 127.0.0.1 on a free port and speaks the hub's resolve API as
// huggingface_hub expects it. HEAD/GET /ORG/NAME/resolve/REV/PATH answer with
// X-Repo-Commit and, for an LFS file, a 302 to an absolute CDN address
// (http://localhost:PORT/cdn/SHA256: another origin, so a client must not
// send the token there) with X-Linked-Etag and X-Linked-Size; a small file is
// served at once with its git blob id as ETag. The CDN honours Range. Faults
// a test can switch on: a wrong byte, a connection dropped mid-file, files
// that are missing (404), a gated repository (401 without the token), a
// server that ignores Range, a renamed repository (a relative redirect).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace tagforge::testing {

struct FakeHubFile {
  std::string bytes;
  bool lfs = true;
};

struct FakeHubRepo {
  std::string commit;                        // 40 hex digits
  std::map<std::string, FakeHubFile> files;  // path in the repository -> file
  std::string gated_token;                   // non-empty: 401 GatedRepo unless "Bearer <token>"
};

struct FakeHubFaults {
  bool corrupt_byte = false;        // the CDN flips one byte in the middle of every file it sends
  int drops = 0;                    // the next `drops` CDN answers end at the file's byte `drop_after`
  size_t drop_after = 0;
  bool ignore_range = false;        // the CDN answers 200 with the whole file to a Range request
  std::set<std::string> missing;    // "REPO/PATH": 404 EntryNotFound
  std::map<std::string, std::string> renamed;  // old repo id -> new: 307 to the new address
  int fail_503 = 0;                 // the next `fail_503` resolve requests answer 503
};

struct FakeHubStats {
  int heads = 0, resolve_gets = 0, cdn_gets = 0;
  uint64_t cdn_bytes = 0;
  std::vector<std::string> ranges;                // Range headers the CDN got ("" for none)
  std::vector<std::string> cdn_authorizations;    // Authorization headers the CDN got ("" for none)
  std::vector<std::string> resolve_authorizations;
};

// A certificate and its key (PEM files) to serve HTTPS with.
struct FakeHubTls {
  std::string cert_file, key_file;
};

// Makes a self-signed certificate for localhost and 127.0.0.1 in `dir` with
// the openssl command; a client trusts it through SSL_CERT_FILE=cert_file.
FakeHubTls make_test_certificate(const std::string& dir);

class FakeHubServer {
 public:
  FakeHubServer();
  explicit FakeHubServer(const FakeHubTls& tls);  // HTTPS, the CDN address too
  ~FakeHubServer();

  void add_repo(const std::string& id, FakeHubRepo repo);
  void set_faults(FakeHubFaults faults);  // for the requests after it
  FakeHubStats stats() const;
  std::string endpoint() const;  // "http://127.0.0.1:PORT" (https with TLS)

 private:
  void start();

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::string scheme_ = "http";
  mutable std::mutex mu_;
  std::map<std::string, FakeHubRepo> repos_;
  std::map<std::string, std::shared_ptr<const std::string>> blobs_;  // sha256 -> bytes
  std::map<std::string, std::map<std::string, std::string>> lfs_sha_;  // repo -> path -> sha256
  FakeHubFaults faults_;
  FakeHubStats stats_;
};

// The hex sha256 of `bytes`, and the git blob id (sha1 of "blob N\0" + bytes).
std::string sha256_hex(const std::string& bytes);
std::string git_blob_id(const std::string& bytes);

}  // namespace tagforge::testing
