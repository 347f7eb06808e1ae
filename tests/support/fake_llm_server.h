// An OpenAI-compatible chat server for tests and benchmarks: it listens on
// 127.0.0.1 on a free port and answers POST /v1/chat/completions from a
// script, so a test can play every fault a real server has (slow answers,
// 429 with Retry-After, 500s, dropped connections, malformed bodies).
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace tagforge::testing {

struct FakeReply {
  int status = 200;
  std::string content;       // the assistant message (status 200)
  std::string refusal;       // when set, the message has this `refusal` and no content
  std::string raw_body;      // when set, the body as is instead of a chat completion
  double delay_s = 0;        // waited before answering
  bool drop = false;         // the connection is closed without an answer
  std::map<std::string, std::string> headers;

  static FakeReply answer(std::string text) {
    FakeReply r;
    r.content = std::move(text);
    return r;
  }
  static FakeReply failing(int status) {
    FakeReply r;
    r.status = status;
    return r;
  }
};

// What the server got: the request body (JSON) and its Authorization header.
struct FakeRequest {
  nlohmann::json body;
  std::string authorization;
};

class FakeLlmServer {
 public:
  // `script(request, n)`: the reply to the n-th request (0-based), called concurrently.
  using Script = std::function<FakeReply(const FakeRequest& request, int n)>;
  explicit FakeLlmServer(Script script);
  ~FakeLlmServer();

  std::string base_url() const;  // "http://127.0.0.1:PORT/v1"
  std::vector<FakeRequest> requests() const;
  int max_in_flight() const;     // the most requests it was answering at once

 private:
  Script script_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::vector<FakeRequest> requests_;
  int in_flight_ = 0, max_in_flight_ = 0;
};

// The text of a chat answer the way servers send it.
std::string chat_completion_body(const std::string& content, const std::string& refusal = "");

}  // namespace tagforge::testing
