#include "fake_llm_server.h"

#include <httplib.h>

#include <chrono>

namespace tagforge::testing {

std::string chat_completion_body(const std::string& content, const std::string& refusal) {
  nlohmann::json message{{"role", "assistant"}};
  if (refusal.empty()) {
    message["content"] = content;
  } else {
    message["content"] = nullptr;
    message["refusal"] = refusal;
  }
  nlohmann::json body{{"id", "chatcmpl-test"},
                      {"object", "chat.completion"},
                      {"choices", {{{"index", 0}, {"message", message}, {"finish_reason", "stop"}}}}};
  return body.dump();
}

FakeLlmServer::FakeLlmServer(Script script) : script_(std::move(script)), server_(new httplib::Server()) {
  server_->Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
    int n = 0;
    FakeRequest got{nlohmann::json::parse(req.body, nullptr, false), req.get_header_value("Authorization")};
    {
      std::lock_guard lock(mu_);
      n = int(requests_.size());
      requests_.push_back(got);
      max_in_flight_ = std::max(max_in_flight_, ++in_flight_);
    }
    const FakeReply reply = script_(got, n);
    if (reply.delay_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(reply.delay_s));
    {
      std::lock_guard lock(mu_);
      --in_flight_;
    }
    res.status = reply.status;
    for (const auto& [k, v] : reply.headers) res.set_header(k, v);
    if (reply.drop) {
      // Headers promise a body that never comes: the connection closes mid-answer.
      res.set_content_provider(1000, "application/json",
                               [](size_t, size_t, httplib::DataSink&) { return false; });
      return;
    }
    const std::string body = !reply.raw_body.empty()  ? reply.raw_body
                             : reply.status == 200 ? chat_completion_body(reply.content, reply.refusal)
                                                   : R"({"error":{"message":"scripted failure"}})";
    res.set_content(body, "application/json");
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeLlmServer::~FakeLlmServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeLlmServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

std::vector<FakeRequest> FakeLlmServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

int FakeLlmServer::max_in_flight() const {
  std::lock_guard lock(mu_);
  return max_in_flight_;
}

}  // namespace tagforge::testing
