// Fuzz target: reading members out of JSON text without parsing it whole
// (src/web/json_peek). On any text nlohmann reads as an object, a key that
// occurs once at the top level must peek as that member's value; on any text
// at all, peeking must stay inside the text and never crash.
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/json_peek.h"

std::vector<std::string> fuzz_seeds() {
  return {R"({"tag_inclusion":1.0,"overall":0.5,"missing":["a","b"],"flagged":false})",
          R"({"caption":"A \"girl\".","source":"tags","llm":{"source":"x","attempts":[{"seed":1}]}})",
          R"({"classes":{"porn":0.1},"nsfw":0.25})", R"j({"tags":"1girl, solo, \\(a\\)"})j",
          R"( { "a" : [ { "b" : "]}" } ] , "b" : 2 } )"};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tagforge;
  using json = nlohmann::json;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  for (const char* key : {"a", "b", "overall", "tags", "source", "nsfw", "flagged"}) {
    if (auto raw = peek_member(in, key)) {
      if (raw->data() < in.data() || raw->data() + raw->size() > in.data() + in.size()) std::abort();
    }
    (void)peek_number(in, key);
    (void)peek_bool(in, key);
    (void)peek_string(in, key);
  }
  const json j = json::parse(in, nullptr, false);
  if (!j.is_object()) return 0;
  for (const auto& [key, value] : j.items()) {
    if (key.find_first_of("\\\"") != std::string::npos) continue;  // keys spelled with escapes are not compared
    size_t occurrences = 0;
    for (const auto& [k, v] : j.items()) occurrences += k == key;
    // nlohmann keeps the last of duplicate keys and peek finds the first: compare only single ones,
    // and only when the key's text occurs once in the input (so it cannot be a duplicate nlohmann merged).
    size_t at = 0, seen = 0;
    const std::string quoted = "\"" + key + "\"";
    while ((at = in.find(quoted, at)) != std::string_view::npos) ++seen, ++at;
    if (occurrences != 1 || seen != 1) continue;
    auto raw = peek_member(in, key);
    if (!raw) std::abort();
    const json peeked = json::parse(*raw, nullptr, false);
    if (peeked != value) std::abort();
  }
  return 0;
}
