// Fuzz target: what an LLM server sends back. The body is read as a chat
// completion, and the text as an answer that may hold a JSON object; whatever
// is found must be a whole JSON object found inside the text, and the parse
// must never throw.
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include "caption/llm_client.h"

std::vector<std::string> fuzz_seeds() {
  return {R"({"choices":[{"index":0,"message":{"role":"assistant","content":"{\"caption\":\"A girl.\"}"},"finish_reason":"stop"}]})",
          R"({"choices":[{"message":{"content":null,"refusal":"no"}}]})",
          "```json\n{\"caption\": \"a {b} \\\"c\\\"\", \"n\": [1, {\"x\": 2}]}\n```",
          "I'm sorry, but I can't help with that.", "{{{{\"a\":1}", "{\"choices\": []}"};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tagforge;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto answer = parse_chat_completion(in)) {
    if (looks_like_refusal(answer->text) && !answer->refused) std::abort();  // a refusal is always marked
  }
  if (auto object = extract_json_object(in)) {
    if (in.find(*object) == std::string_view::npos) std::abort();  // a piece of the text
    if (!nlohmann::json::parse(*object, nullptr, false).is_object()) std::abort();
  }
  (void)looks_like_refusal(in);
  return 0;
}
