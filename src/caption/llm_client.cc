#include "caption/llm_client.h"

#include <httplib.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include "core/base64.h"

namespace tagforge {

using json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

namespace {

// Holds one of the endpoint's slots for as long as it lives.
class Slot {
 public:
  explicit Slot(std::counting_semaphore<1024>& s) : s_(s) { s_.acquire(); }
  ~Slot() { s_.release(); }

 private:
  std::counting_semaphore<1024>& s_;
};

const char* failure_name(LlmFailure f) {
  switch (f) {
    case LlmFailure::kNone: return "none";
    case LlmFailure::kConnection: return "connection failed or closed";
    case LlmFailure::kTimeout: return "timed out";
    case LlmFailure::kRateLimited: return "rate limited (429)";
    case LlmFailure::kServer: return "server error";
    case LlmFailure::kBadRequest: return "request refused by the server";
    case LlmFailure::kMalformed: return "answer is not a chat completion";
  }
  return "failed";
}

bool retryable(LlmFailure f) {
  // A malformed body is a server's fault like a 5xx (a proxy's error page, a cut stream): asked again.
  return f == LlmFailure::kConnection || f == LlmFailure::kTimeout || f == LlmFailure::kRateLimited ||
         f == LlmFailure::kServer || f == LlmFailure::kMalformed;
}

// A Retry-After header's seconds (the integer form); nullopt for none or a date.
std::optional<double> retry_after(const std::string& value) {
  if (value.empty() || value.size() > 6) return std::nullopt;
  double s = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    s = s * 10 + (c - '0');
  }
  return s;
}

std::string snippet(const std::string& body) {
  std::string s = body.substr(0, 200);
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

}  // namespace

Result<std::unique_ptr<LlmClient>> LlmClient::open(const LlmEndpoint& e) {
  std::unique_ptr<LlmClient> c(new LlmClient(e));
  const std::string& url = e.base_url;
  const size_t scheme = url.find("://");
  const std::string proto = scheme == std::string::npos ? "" : url.substr(0, scheme);
  if (proto != "http" && proto != "https") {
    return Error{ErrorCode::kInvalidInput, fmt::format("base_url \"{}\" is not http(s)://host[:port][/path]", url), {}};
  }
  const size_t path = url.find('/', scheme + 3);
  c->origin_ = url.substr(0, path);
  if (c->origin_.size() <= scheme + 3) {
    return Error{ErrorCode::kInvalidInput, fmt::format("base_url \"{}\" names no host", url), {}};
  }
  std::string base = path == std::string::npos ? "" : url.substr(path);
  while (!base.empty() && base.back() == '/') base.pop_back();
  c->path_ = base + "/chat/completions";
  if (!e.api_key_env.empty()) {
    const char* key = std::getenv(e.api_key_env.c_str());
    if (!key || !*key) {
      return Error{ErrorCode::kInvalidInput,
                   fmt::format("the API key variable {} is not set (api_key_env for {})", e.api_key_env, url), {}};
    }
    c->key_ = key;
  }
  return c;
}

std::string LlmClient::redact(std::string text) const {
  if (key_.empty()) return text;
  for (size_t at; (at = text.find(key_)) != std::string::npos;) text.replace(at, key_.size(), "[api key]");
  return text;
}

std::string chat_request_body(const LlmEndpoint& e, const ChatRequest& r, bool with_schema) {
  json messages = json::array();
  if (!r.system.empty()) messages.push_back({{"role", "system"}, {"content", r.system}});
  if (r.image_jpeg.empty()) {
    messages.push_back({{"role", "user"}, {"content", r.prompt}});
  } else {
    json parts = json::array();
    parts.push_back({{"type", "text"}, {"text", r.prompt}});
    parts.push_back({{"type", "image_url"},
                     {"image_url", {{"url", "data:image/jpeg;base64," + base64(r.image_jpeg)}}}});
    messages.push_back({{"role", "user"}, {"content", parts}});
  }
  json body{{"model", e.model}, {"messages", messages}, {"temperature", r.temperature}, {"max_tokens", r.max_tokens}};
  if (r.seed) body["seed"] = *r.seed;
  if (with_schema && !r.schema_json.empty()) {
    json schema = json::parse(r.schema_json, nullptr, false);
    if (!schema.is_discarded()) {
      body["response_format"] = {{"type", "json_schema"},
                                 {"json_schema", {{"name", "answer"}, {"schema", schema}, {"strict", true}}}};
    }
  }
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<ChatAnswer> LlmClient::chat(const ChatRequest& request) {
  Slot slot(slots_);
  thread_local std::mt19937_64 jitter(std::random_device{}());
  LlmFailure last = LlmFailure::kNone;
  std::string detail;
  int tries = 0;
  for (int retry = 0; retry <= e_.max_retries; ++retry) {
    ++tries;
    const bool with_schema = e_.json_schema && schema_supported_ && !request.schema_json.empty();
    httplib::Client http(origin_);
    const double connect = std::min(10.0, e_.timeout_s);
    http.set_connection_timeout(time_t(connect), long((connect - double(time_t(connect))) * 1e6));
    http.set_read_timeout(time_t(e_.timeout_s), long((e_.timeout_s - double(time_t(e_.timeout_s))) * 1e6));
    http.set_write_timeout(time_t(e_.timeout_s), long((e_.timeout_s - double(time_t(e_.timeout_s))) * 1e6));
    httplib::Headers headers;
    if (!key_.empty()) headers.emplace("Authorization", "Bearer " + key_);
    const auto start = Clock::now();
    auto res = http.Post(path_, headers, chat_request_body(e_, request, with_schema), "application/json");
    const double took = std::chrono::duration<double>(Clock::now() - start).count();
    std::optional<double> wait;
    if (!res) {
      const bool timed_out = res.error() == httplib::Error::Read && took >= e_.timeout_s * 0.9;
      last = timed_out ? LlmFailure::kTimeout : LlmFailure::kConnection;
      detail = httplib::to_string(res.error());
    } else if (res->status == 429) {
      last = LlmFailure::kRateLimited;
      detail = "HTTP 429";
      wait = retry_after(res->get_header_value("Retry-After"));
    } else if (res->status >= 500) {
      last = LlmFailure::kServer;
      detail = fmt::format("HTTP {}: {}", res->status, snippet(res->body));
      wait = retry_after(res->get_header_value("Retry-After"));
    } else if (res->status == 400 && with_schema) {
      schema_supported_ = false;  // once more at once, without response_format
      --retry;
      continue;
    } else if (res->status != 200) {
      last = LlmFailure::kBadRequest;
      detail = fmt::format("HTTP {}: {}", res->status, snippet(res->body));
    } else {
      auto parsed = parse_chat_completion(res->body);
      if (!parsed) {
        last = LlmFailure::kMalformed;
        detail = snippet(res->body);
      } else {
        parsed->attempts = tries;
        return std::move(*parsed);
      }
    }
    if (!retryable(last) || retry == e_.max_retries) break;
    double pause = e_.backoff_s * double(1u << std::min(retry, 16));
    pause *= std::uniform_real_distribution<double>(0.5, 1.5)(jitter);
    if (wait) pause = *wait;
    std::this_thread::sleep_for(std::chrono::duration<double>(std::min(pause, 60.0)));
  }
  return Error{retryable(last) ? ErrorCode::kIo : ErrorCode::kInvalidInput,
               redact(fmt::format("{}: {} after {} attempt{} ({})", e_.base_url, failure_name(last), tries,
                                  tries == 1 ? "" : "s", detail)),
               {}};
}

std::optional<ChatAnswer> parse_chat_completion(std::string_view text) {
  const json body = json::parse(text, nullptr, false);
  if (!body.is_object() || !body.contains("choices") || !body["choices"].is_array() || body["choices"].empty()) {
    return std::nullopt;
  }
  const json& choice = body["choices"][0];
  if (!choice.is_object() || !choice.contains("message") || !choice["message"].is_object()) return std::nullopt;
  const json& message = choice["message"];
  ChatAnswer answer;
  if (message.contains("content") && message["content"].is_string()) answer.text = message["content"].get<std::string>();
  if (message.contains("refusal") && message["refusal"].is_string()) answer.refused = true;
  if (choice.contains("finish_reason") && choice["finish_reason"].is_string()) {
    answer.finish_reason = choice["finish_reason"].get<std::string>();
  }
  answer.refused = answer.refused || looks_like_refusal(answer.text);
  return answer;
}

std::optional<std::string> extract_json_object(std::string_view text) {
  size_t from = 0;
  for (int starts = 0; starts < 16; ++starts) {
    const size_t open = text.find('{', from);
    if (open == std::string_view::npos) return std::nullopt;
    int depth = 0;
    bool in_string = false, escaped = false;
    size_t end = std::string_view::npos;
    for (size_t i = open; i < text.size() && end == std::string_view::npos; ++i) {
      const char c = text[i];
      if (in_string) {
        if (escaped) escaped = false;
        else if (c == '\\') escaped = true;
        else if (c == '"') in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{') {
        ++depth;
      } else if (c == '}' && --depth == 0) {
        end = i;
      }
    }
    if (end == std::string_view::npos) return std::nullopt;  // never closes: nothing later will either
    const std::string candidate(text.substr(open, end - open + 1));
    if (json::parse(candidate, nullptr, false).is_object()) return candidate;
    from = open + 1;
  }
  return std::nullopt;
}

bool looks_like_refusal(std::string_view text) {
  // The first words in lower case, with ’ read as '.
  std::string head;
  const std::string_view start_of = text.substr(0, 160);
  for (size_t i = 0; i < start_of.size(); ++i) {
    if (start_of.substr(i, 3) == "\xe2\x80\x99") {
      head += '\'';
      i += 2;
    } else {
      head += char(std::tolower(static_cast<unsigned char>(start_of[i])));
    }
  }
  static const char* kOpenings[] = {"i can't help",  "i cannot help",   "i can't assist", "i cannot assist",
                                    "i can't provide", "i cannot provide", "i'm sorry, but", "i am sorry, but",
                                    "i'm unable to",  "i am unable to",   "i won't",        "sorry, i can't",
                                    "as an ai"};
  const size_t b = head.find_first_not_of(" \t\r\n\"");
  if (b == std::string::npos) return false;
  const std::string_view start = std::string_view(head).substr(b);
  for (const char* o : kOpenings) {
    if (start.rfind(o, 0) == 0) return true;
  }
  return false;
}

}  // namespace tagforge
