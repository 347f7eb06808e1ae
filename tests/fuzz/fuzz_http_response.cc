// Fuzz target: the HTTP/1.1 response reader of plain_http (what a mirror or
// anything between us and it sends back), fed in pieces of varying size.
// Whatever it does, it must not deliver more body bytes than it was given.
#include <cstdlib>
#include <string>
#include <vector>

#include "models/plain_http.h"

std::vector<std::string> fuzz_seeds() {
  return {
      "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 5-9/10\r\nContent-Length: 5\r\n\r\nhello",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;x=y\r\nabc\r\n0\r\n\r\n",
      "HTTP/1.0 302 Found\r\nLocation: http://cdn/x\r\n\r\n",
      "HTTP/1.1 200 OK\r\n\r\nuntil the end",
  };
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tagforge;
  const std::string input(reinterpret_cast<const char*>(data), size);
  size_t at = 0, step = 1 + (size ? data[0] % 97 : 0);
  size_t delivered = 0;
  (void)read_http_response(
      [&](std::string& buf) -> ssize_t {
        const size_t n = std::min(step, input.size() - at);
        buf.append(input, at, n);
        at += n;
        step = step * 3 % 211 + 1;
        return ssize_t(n);
      },
      [&](int, const HeaderLookup& header) {
        (void)header("Content-Length");
        return true;
      },
      [&](const char*, size_t n) {
        delivered += n;
        return true;
      });
  if (delivered > size) std::abort();
  return 0;
}
