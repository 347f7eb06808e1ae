// Fuzz target: sidecar classification and printable paths on any bytes.
#include <cstdlib>
#include <string>
#include <vector>

#include "core/path_text.h"
#include "tagforge/scan.h"

std::vector<std::string> fuzz_seeds() {
  return {"1girl, solo, long hair", "A caption. With sentences!", "new\nline\xff\xfe", "^_^, :d, >_<", ",,,"};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  (void)tagforge::classify_sidecar_text(s, 4);
  std::string p = tagforge::printable_path(s);
  if (!tagforge::is_valid_utf8(p) || p.find('\n') != std::string::npos) std::abort();
  return 0;
}
