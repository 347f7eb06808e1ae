#include "fake_hub_server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <openssl/evp.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>

namespace tagforge::testing {

namespace {

std::string digest_hex(const EVP_MD* md, const std::string& prefix, const std::string& bytes) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, md, nullptr);
  EVP_DigestUpdate(ctx, prefix.data(), prefix.size());
  EVP_DigestUpdate(ctx, bytes.data(), bytes.size());
  EVP_DigestFinal_ex(ctx, out, &n);
  EVP_MD_CTX_free(ctx);
  std::string hex;
  for (unsigned int i = 0; i < n; ++i) hex += fmt::format("{:02x}", out[i]);
  return hex;
}

}  // namespace

std::string sha256_hex(const std::string& bytes) { return digest_hex(EVP_sha256(), "", bytes); }

std::string git_blob_id(const std::string& bytes) {
  std::string prefix = fmt::format("blob {}", bytes.size());
  prefix.push_back('\0');
  return digest_hex(EVP_sha1(), prefix, bytes);
}

FakeHubTls make_test_certificate(const std::string& dir) {
  FakeHubTls t{dir + "/cert.pem", dir + "/key.pem"};
  const std::string cmd = fmt::format(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '{}' -out '{}' 2>/dev/null",
      t.key_file, t.cert_file);
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl could not make a test certificate");
  return t;
}

FakeHubServer::FakeHubServer() : server_(std::make_unique<httplib::Server>()) { start(); }

FakeHubServer::FakeHubServer(const FakeHubTls& tls)
    : server_(std::make_unique<httplib::SSLServer>(tls.cert_file.c_str(), tls.key_file.c_str())), scheme_("https") {
  if (!server_->is_valid()) throw std::runtime_error("httplib cannot serve TLS with " + tls.cert_file);
  start();
}

void FakeHubServer::start() {
  server_->set_keep_alive_max_count(100);
  // /ORG/NAME/resolve/REV/PATH
  server_->Get(R"(/([^/]+)/([^/]+)/resolve/([^/]+)/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string repo_id = req.matches[1].str() + "/" + req.matches[2].str();
    const std::string rev = req.matches[3].str();
    const std::string path = req.matches[4].str();
    std::lock_guard<std::mutex> lock(mu_);
    (req.method == "HEAD" ? stats_.heads : stats_.resolve_gets)++;
    stats_.resolve_authorizations.push_back(req.get_header_value("Authorization"));
    if (faults_.fail_503 > 0) {
      --faults_.fail_503;
      res.status = 503;
      return;
    }
    if (auto it = faults_.renamed.find(repo_id); it != faults_.renamed.end()) {
      res.status = 307;
      res.set_header("Location", fmt::format("/{}/resolve/{}/{}", it->second, rev, path));
      return;
    }
    auto repo = repos_.find(repo_id);
    if (repo == repos_.end()) {
      res.status = 401;  // as the hub answers for an unknown (maybe private) repository without a token
      res.set_header("X-Error-Code", "RepoNotFound");
      return;
    }
    if (!repo->second.gated_token.empty() &&
        req.get_header_value("Authorization") != "Bearer " + repo->second.gated_token) {
      res.status = 401;
      res.set_header("X-Error-Code", "GatedRepo");
      res.set_header("X-Error-Message", "Access to this model is restricted");
      return;
    }
    if (rev != "main" && rev != repo->second.commit) {
      res.status = 404;
      res.set_header("X-Error-Code", "RevisionNotFound");
      return;
    }
    auto file = repo->second.files.find(path);
    if (file == repo->second.files.end() || faults_.missing.count(repo_id + "/" + path)) {
      res.status = 404;
      res.set_header("X-Error-Code", "EntryNotFound");
      return;
    }
    res.set_header("X-Repo-Commit", repo->second.commit);
    if (file->second.lfs) {
      const std::string& sha = lfs_sha_[repo_id][path];
      res.status = 302;
      res.set_header("Location", fmt::format("{}://localhost:{}/cdn/{}", scheme_, port_, sha));
      res.set_header("ETag", fmt::format("\"{}\"", git_blob_id("pointer " + sha)));  // the pointer's, not the file's
      res.set_header("X-Linked-Etag", fmt::format("\"{}\"", sha));
      res.set_header("X-Linked-Size", std::to_string(file->second.bytes.size()));
      return;
    }
    res.set_header("ETag", fmt::format("\"{}\"", git_blob_id(file->second.bytes)));
    res.set_content(file->second.bytes, "application/octet-stream");
  });
  server_->Get(R"(/cdn/([0-9a-f]{64}))", [this](const httplib::Request& req, httplib::Response& res) {
    std::unique_lock<std::mutex> lock(mu_);
    auto blob = blobs_.find(req.matches[1].str());
    if (blob == blobs_.end()) {
      res.status = 404;
      return;
    }
    if (req.method != "HEAD") ++stats_.cdn_gets;
    stats_.cdn_authorizations.push_back(req.get_header_value("Authorization"));
    stats_.ranges.push_back(req.get_header_value("Range"));
    std::shared_ptr<const std::string> body = blob->second;
    if (faults_.corrupt_byte && !body->empty()) {
      auto copy = std::make_shared<std::string>(*body);
      (*copy)[copy->size() / 2] ^= 0x5a;
      body = std::move(copy);
    }
    const std::string& bytes = *body;
    size_t start = 0;
    res.status = 200;  // else httplib answers a Range request 206 on its own
    const std::string range = req.get_header_value("Range");
    if (!range.empty() && !faults_.ignore_range) {
      start = std::stoull(range.substr(range.find('=') + 1));
      if (start >= bytes.size()) {
        res.status = 416;
        return;
      }
      res.status = 206;
      res.set_header("Content-Range", fmt::format("bytes {}-{}/{}", start, bytes.size() - 1, bytes.size()));
    }
    size_t limit = bytes.size() - start;
    if (faults_.drops > 0) {
      --faults_.drops;
      limit = faults_.drop_after > start ? std::min(limit, faults_.drop_after - start) : 0;
    }
    lock.unlock();
    // Chunked, so httplib does not apply the Range a second time (it slices sized bodies itself).
    res.set_chunked_content_provider("application/octet-stream",
                                     [this, body, start, limit](size_t offset, httplib::DataSink& sink) {
                                       if (start + offset >= body->size()) {
                                         sink.done();
                                         return true;
                                       }
                                       if (offset >= limit) return false;  // the connection drops here
                                       const size_t n = std::min({body->size() - start - offset, limit - offset,
                                                                  size_t(1) << 18});
                                       sink.write(body->data() + start + offset, n);
                                       std::lock_guard<std::mutex> g(mu_);
                                       stats_.cdn_bytes += n;
                                       return true;
                                     });
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeHubServer::~FakeHubServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

void FakeHubServer::add_repo(const std::string& id, FakeHubRepo repo) {
  // Each LFS file's sha256 and CDN copy once, here, not on every request.
  std::map<std::string, std::string> shas;
  for (const auto& [path, file] : repo.files) {
    if (file.lfs) shas[path] = sha256_hex(file.bytes);
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [path, sha] : shas) {
    if (!blobs_.count(sha)) blobs_[sha] = std::make_shared<const std::string>(repo.files[path].bytes);
  }
  lfs_sha_[id] = std::move(shas);
  repos_[id] = std::move(repo);
}

void FakeHubServer::set_faults(FakeHubFaults faults) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_ = std::move(faults);
}

FakeHubStats FakeHubServer::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

std::string FakeHubServer::endpoint() const { return fmt::format("{}://127.0.0.1:{}", scheme_, port_); }

}  // namespace tagforge::testing
