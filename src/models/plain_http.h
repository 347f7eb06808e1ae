// A GET over plain HTTP/1.1 that reads the socket 256 KiB at a time. Debian's
// cpp-httplib reads 4 KiB at a time with a poll before each (fixed in its
// shared library), which halves what a loopback or LAN mirror can deliver;
// downloads from an http:// mirror come through here, HTTPS ones through
// httplib. Enough of HTTP/1.1 for a file: the status, the headers,
// Content-Length, chunked bodies, and a body read to the connection's end.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tagforge {

struct PlainHttpResult {
  enum class Outcome { kDone, kConnect, kRead, kCanceled, kProtocol } outcome = Outcome::kDone;
  std::string detail;  // for messages: what failed
};

// Header values by name, case-insensitively; "" when absent.
using HeaderLookup = std::function<std::string(std::string_view name)>;

// GETs `path` from `origin` ("http://host[:port]"). `on_response(status,
// header)` sees the status and headers first and may cancel (false);
// `on_body` sees the body's bytes in order and may cancel. Reads time out
// after `timeout_s` of silence.
PlainHttpResult plain_http_get(const std::string& origin, const std::string& path,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               const std::function<bool(int status, const HeaderLookup& header)>& on_response,
                               const std::function<bool(const char* data, size_t n)>& on_body, int timeout_s = 60);

// The response part of plain_http_get: parses what `fill_more(buf)` appends
// to `buf` (its return: bytes added, 0 at the end, -1 on an error). Apart so
// that it can be fuzzed without a socket.
PlainHttpResult read_http_response(const std::function<ssize_t(std::string& buf)>& fill_more,
                                   const std::function<bool(int status, const HeaderLookup& header)>& on_response,
                                   const std::function<bool(const char* data, size_t n)>& on_body);

}  // namespace tagforge
