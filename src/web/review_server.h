// `tagforge serve`: the review page over HTTP (cpp-httplib).
//
// Safety, since the page can change files:
// - It listens on 127.0.0.1 unless told otherwise, and there only answers
//   requests whose Host is a loopback name (a web page elsewhere cannot
//   reach it through DNS rebinding). Bound to any other address, it makes an
//   access token, prints it, and answers nothing that does not carry it
//   (?token=, which sets a cookie, or "Authorization: Bearer").
// - Items are named by their id in the index, never by a path.
// - Every write is a POST carrying the page's CSRF token (X-CSRF-Token), from
//   no other origin; request bodies are capped (413 beyond).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "tagforge/error.h"
#include "web/review_store.h"

namespace httplib {
class Server;
}

namespace tagforge {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8787;                 // 0: any free port
  size_t max_body = 1 << 20;       // bytes a request body may hold
  std::string token;               // for a non-loopback host; empty: one is made
  int read_timeout_ms = 5000;      // how long a request may take to arrive
};

// Whether `host` is a loopback address or name ("127.0.0.1", "::1", "localhost").
bool is_loopback_host(const std::string& host);

class ReviewServer {
 public:
  // Binds the port (errors say when it is taken) but does not serve yet.
  static Result<std::unique_ptr<ReviewServer>> bind(ReviewStore& store, const ServeOptions& options);
  ~ReviewServer();

  int port() const { return port_; }
  // The access token a non-loopback server requires; empty on loopback.
  const std::string& access_token() const { return access_token_; }
  // The page's address (with the token when one is needed).
  std::string url() const;
  // Serves until stop() (from another thread or a signal handler's thread).
  void serve();
  void stop();

 private:
  ReviewServer() = default;
  void routes();
  ReviewStore* store_ = nullptr;
  ServeOptions options_;
  std::unique_ptr<httplib::Server> http_;
  int port_ = 0;
  std::string access_token_, csrf_token_;
  std::atomic<bool> served_ = false;  // serve() has returned
};

}  // namespace tagforge
