// A client for OpenAI-compatible chat completions (`POST {base_url}/chat/completions`):
// vLLM, llama.cpp's server, Ollama's /v1 and OpenAI itself speak it. Images
// go as base64 data URLs. Requests to one endpoint run at most
// `max_concurrent` at a time; 429, 5xx, timeouts, dropped connections and
// bodies that are not a chat completion are retried with exponential backoff
// and jitter (Retry-After is honoured), `max_retries` times.
// When the server rejects `response_format` (400), the request is sent again
// without it and the endpoint is remembered as one that lacks it.
//
// The API key is read from the environment variable the config names and
// is never part of an error message (any echo of it is replaced).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <semaphore>
#include <string>
#include <string_view>

#include "tagforge/error.h"

namespace tagforge {

struct LlmEndpoint {
  std::string base_url;     // "http://127.0.0.1:8000/v1"; the path before /chat/completions
  std::string model;        // "joycaption", "gpt-4o-mini", …
  std::string api_key_env;  // the environment variable holding the key; empty: no key
  double timeout_s = 120;   // for the whole answer to arrive (connect: at most 10 s of it)
  int max_concurrent = 4;   // requests in flight to this endpoint
  int max_retries = 4;      // after the first try
  double backoff_s = 1.0;   // the first retry's wait; doubles each time, ±50 % jitter, at most 60 s
  bool json_schema = true;  // send response_format with the schema when a request has one
};

struct ChatRequest {
  std::string system;       // may be empty
  std::string prompt;
  std::string image_jpeg;   // the image's JPEG bytes; empty: a text-only request
  std::optional<int64_t> seed;
  double temperature = 0.2;
  int max_tokens = 400;
  std::string schema_json;  // a JSON schema the answer must follow; empty: free text
};

struct ChatAnswer {
  std::string text;           // the message's content
  std::string finish_reason;  // "stop", "length", …
  int attempts = 1;           // HTTP requests it took
  bool refused = false;       // the model declined ("I can't help with that", or a `refusal` field)
};

// How an attempt failed, for the manifest and the retry policy.
enum class LlmFailure { kNone, kConnection, kTimeout, kRateLimited, kServer, kBadRequest, kMalformed };

class LlmClient {
 public:
  // Errors: a base_url that is not http(s)://host[:port][/path], or a named
  // key variable that is not set.
  static Result<std::unique_ptr<LlmClient>> open(const LlmEndpoint& endpoint);

  // Blocks while `max_concurrent` other requests are in flight. An error says
  // what the last attempt met and how many there were; its code is kIo when
  // the failure may pass (asking later may work), kInvalidInput when the
  // server refused the request itself.
  Result<ChatAnswer> chat(const ChatRequest& request);

  const LlmEndpoint& endpoint() const { return e_; }
  bool schema_supported() const { return schema_supported_; }

 private:
  explicit LlmClient(const LlmEndpoint& e) : e_(e), slots_(std::max(1, e.max_concurrent)) {}
  std::string redact(std::string text) const;

  LlmEndpoint e_;
  std::string origin_;  // scheme://host:port
  std::string path_;    // base path + "/chat/completions"
  std::string key_;
  std::counting_semaphore<1024> slots_;
  std::atomic<bool> schema_supported_{true};
};

// The request body as sent (exposed for tests): model, messages (system,
// then user with text and the image as a data URL), temperature, seed,
// max_tokens, and response_format when `with_schema`.
std::string chat_request_body(const LlmEndpoint& endpoint, const ChatRequest& request, bool with_schema);

// A chat completion's first choice; nullopt when the body is not one.
std::optional<ChatAnswer> parse_chat_completion(std::string_view body);

// An answer's JSON object found leniently: inside ``` fences, after prose,
// with trailing text; the first balanced {...} that parses. nullopt: none.
std::optional<std::string> extract_json_object(std::string_view text);

// Whether an answer reads as a refusal rather than a caption.
bool looks_like_refusal(std::string_view text);

}  // namespace tagforge
