#include "models/plain_http.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <map>
#include <optional>

#include "core/fs_ops.h"

namespace tagforge {

namespace {

using Outcome = PlainHttpResult::Outcome;
constexpr size_t kReadSize = 256 << 10;
constexpr size_t kMaxHeader = 64 << 10;

PlainHttpResult fail(Outcome o, std::string detail) { return PlainHttpResult{o, std::move(detail)}; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// A connected socket to host:port, or the reason there is none.
std::optional<UniqueFd> connect_to(const std::string& host, const std::string& port, int timeout_s, std::string& why) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    why = fmt::format("cannot resolve {}: {}", host, gai_strerror(rc));
    return std::nullopt;
  }
  for (addrinfo* a = found; a; a = a->ai_next) {
    UniqueFd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol));
    if (!fd.valid()) continue;
    int rc = ::connect(fd.get(), a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd.get(), POLLOUT, 0};
      int err = 0;
      socklen_t len = sizeof err;
      rc = ::poll(&p, 1, std::min(timeout_s, 10) * 1000) == 1 &&
                   ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0
               ? 0
               : -1;
      if (rc != 0) errno = err ? err : ETIMEDOUT;
    }
    if (rc != 0) {
      why = fmt::format("cannot connect: {}", std::strerror(errno));
      continue;
    }
    ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
    timeval tv{timeout_s, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::freeaddrinfo(found);
    return fd;
  }
  ::freeaddrinfo(found);
  if (why.empty()) why = "no address to connect to";
  return std::nullopt;
}

// Reads what the socket has into `buf` (appending); 0 at the connection's end, -1 on an error.
ssize_t fill(int fd, std::string& buf) {
  const size_t at = buf.size();
  buf.resize(at + kReadSize);
  ssize_t n;
  do {
    n = ::recv(fd, buf.data() + at, kReadSize, 0);
  } while (n < 0 && errno == EINTR);
  buf.resize(at + size_t(std::max<ssize_t>(n, 0)));
  return n;
}

}  // namespace

PlainHttpResult read_http_response(const std::function<ssize_t(std::string& buf)>& fill_more,
                                   const std::function<bool(int, const HeaderLookup&)>& on_response,
                                   const std::function<bool(const char*, size_t)>& on_body) {
  std::string buf;
  size_t header_end;
  while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
    if (buf.size() > kMaxHeader) return fail(Outcome::kProtocol, "a response header over 64 KiB");
    const ssize_t n = fill_more(buf);
    if (n <= 0) return fail(Outcome::kRead, n == 0 ? "the connection closed before the response" : std::strerror(errno));
  }
  // "HTTP/1.1 206 Partial Content", then "Name: value" lines.
  int status = 0;
  if (std::sscanf(buf.c_str(), "HTTP/%*d.%*d %d", &status) != 1) return fail(Outcome::kProtocol, "not an HTTP response");
  std::map<std::string, std::string> fields;
  for (size_t at = buf.find("\r\n") + 2; at < header_end;) {
    const size_t end = buf.find("\r\n", at);
    const std::string_view line(buf.data() + at, end - at);
    if (const size_t colon = line.find(':'); colon != std::string_view::npos) {
      fields[lower(trim(line.substr(0, colon)))] = std::string(trim(line.substr(colon + 1)));
    }
    at = end + 2;
  }
  const HeaderLookup header = [&](std::string_view name) {
    auto it = fields.find(lower(name));
    return it == fields.end() ? std::string() : it->second;
  };
  if (!on_response(status, header)) return fail(Outcome::kCanceled, "canceled");
  buf.erase(0, header_end + 4);

  const bool chunked = lower(header("Transfer-Encoding")).find("chunked") != std::string::npos;
  const std::string length_text = header("Content-Length");
  if (!chunked) {
    const bool known = !length_text.empty();
    uint64_t left = known ? std::strtoull(length_text.c_str(), nullptr, 10) : UINT64_MAX;
    for (;;) {
      const size_t n = size_t(std::min<uint64_t>(buf.size(), left));
      if (n && !on_body(buf.data(), n)) return fail(Outcome::kCanceled, "canceled");
      left -= n;
      buf.clear();
      if (left == 0) return {};
      const ssize_t got = fill_more(buf);
      if (got == 0) return known ? fail(Outcome::kRead, "the connection closed mid-body") : PlainHttpResult{};
      if (got < 0) return fail(Outcome::kRead, std::strerror(errno));
    }
  }
  // Chunked: "SIZE[;ext]\r\n" DATA "\r\n" …, ending with a 0 size and an empty line.
  size_t at = 0;
  auto need = [&](size_t n) -> bool {
    while (buf.size() - at < n) {
      if (at > 0) {
        buf.erase(0, at);
        at = 0;
      }
      if (fill_more(buf) <= 0) return false;
    }
    return true;
  };
  for (;;) {
    size_t eol;
    while ((eol = buf.find("\r\n", at)) == std::string::npos) {
      if (buf.size() - at > 1024) return fail(Outcome::kProtocol, "a chunk size line over 1 KiB");
      if (!need(buf.size() - at + 1)) return fail(Outcome::kRead, "the connection closed mid-body");
    }
    char* end = nullptr;
    const unsigned long long size = std::strtoull(buf.c_str() + at, &end, 16);
    if (end == buf.c_str() + at) return fail(Outcome::kProtocol, "a bad chunk size");
    at = eol + 2;
    if (size == 0) return {};  // trailers, if any, are not wanted
    for (uint64_t left = size; left > 0;) {
      if (at == buf.size() && !need(1)) return fail(Outcome::kRead, "the connection closed mid-body");
      const size_t n = size_t(std::min<uint64_t>(left, buf.size() - at));
      if (!on_body(buf.data() + at, n)) return fail(Outcome::kCanceled, "canceled");
      at += n;
      left -= n;
    }
    if (!need(2)) return fail(Outcome::kRead, "the connection closed mid-body");
    at += 2;  // the chunk's CRLF
  }
}

PlainHttpResult plain_http_get(const std::string& origin, const std::string& path,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               const std::function<bool(int, const HeaderLookup&)>& on_response,
                               const std::function<bool(const char*, size_t)>& on_body, int timeout_s) {
  // "http://host[:port]"; an IPv6 literal is bracketed.
  std::string hostport = origin.substr(origin.find("://") + 3), host = hostport, port = "80";
  if (const size_t colon = hostport.rfind(':'); colon != std::string::npos && hostport.find(']', colon) == std::string::npos) {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string why;
  auto fd = connect_to(host, port, timeout_s, why);
  if (!fd) return fail(Outcome::kConnect, why);

  std::string request = fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", path, hostport);
  for (const auto& [k, v] : headers) request += k + ": " + v + "\r\n";
  request += "\r\n";
  if (Status st = write_all_fd(fd->get(), request, {}); !st.ok()) return fail(Outcome::kRead, "cannot send the request");

  const int sock = fd->get();
  return read_http_response([sock](std::string& buf) { return fill(sock, buf); }, on_response, on_body);
}

}  // namespace tagforge
