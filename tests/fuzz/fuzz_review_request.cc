// Fuzz target: raw HTTP requests to the review server (tagforge serve), over
// a real socket, against a small output made once. "@CSRF@" in an input
// becomes the server's CSRF token, so the write routes are reached too. The
// server must answer or close, never crash, and never send the bytes of a
// file outside the output (a secret beside it, /etc/passwd).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "media_fixtures.h"
#include "media/resample.h"
#include "pipeline/manifest.h"
#include "vision/box_mask.h"
#include "web/review_server.h"
#include "web/review_store.h"

namespace fs = std::filesystem;

std::vector<std::string> fuzz_seeds() {
  return {
      "GET /api/items?flagged=1&tag=hair&sort=-score&offset=0&limit=5 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      "GET /api/items/1 HTTP/1.1\r\nHost: localhost\r\n\r\n",
      "GET /api/items/0/thumb HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      "GET /api/items/2/image HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      "GET /api/tags?q=long HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      "GET /../../../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      "GET /api/items/0/..%2f..%2f..%2fsecret.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      "POST /api/items/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-CSRF-Token: @CSRF@\r\nContent-Length: 45\r\n\r\n"
      "{\"caption\":\"a girl\",\"tags\":[\"1girl\",\"smile\"]}",
      "POST /api/items/0/approve HTTP/1.1\r\nHost: 127.0.0.1\r\nX-CSRF-Token: @CSRF@\r\nContent-Length: 17\r\n\r\n"
      "{\"approved\":true}",
      "POST /api/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nX-CSRF-Token: @CSRF@\r\nContent-Length: 68\r\n\r\n"
      "{\"ids\":[0,1,2],\"add\":[\"x\"],\"remove\":[\"smile\"],\"replace\":[[\"a\",\"b\"]]}",
      "POST /api/undo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-CSRF-Token: @CSRF@\r\nContent-Length: 2\r\n\r\n{}",
  };
}

namespace {

struct Fixture {
  Fixture() {
    using namespace tagforge;
    root = testing::fresh_temp_dir("fuzz-review");
    testing::write_file(root / "secret.txt", "TOPSECRET-bytes");
    const fs::path out = root / "out";
    fs::create_directories(out / ".tagforge" / "work");
    auto m = Manifest::open(out / ".tagforge" / "manifest.sqlite");
    if (!m) std::abort();
    for (int i = 0; i < 3; ++i) {
      const std::string rel = "img_" + std::to_string(i) + ".png";
      Image8 grey;  // a real PNG, so that thumbnails are made
      grey.width = grey.height = 24;
      grey.channels = 1;
      grey.pixels.assign(24 * 24, uint8_t(60 * i));
      testing::write_file(out / ".tagforge" / "work" / rel, mask_png(grey));
      (void)(*m)->put_item({rel, std::string(31, '0') + std::to_string(i), "", "image", "", ""});
      (void)(*m)->put_result(rel, "tags", {"", R"({"tags":"1girl, solo, smile"})", ""});
      (void)(*m)->put_result(rel, "caption", {"", R"({"caption":"A girl.","source":"tags"})", ""});
      (void)(*m)->put_result(rel, "score", {"", R"({"overall":0.2,"flagged":true,"quality_tags":[]})", ""});
    }
    m->reset();
    auto s = ReviewStore::open(out);
    if (!s) std::abort();
    store = std::move(*s);
    ServeOptions o;
    o.port = 0;
    o.read_timeout_ms = 5;  // an input that promises more than it sends ends quickly
    auto b = ReviewServer::bind(*store, o);
    if (!b) std::abort();
    server = std::move(*b);
    thread = std::thread([this] { server->serve(); });
    thread.detach();
    // The page's token, read as a browser would.
    std::string page;
    while (page.empty()) {  // until the server thread listens
      page = send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      if (page.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    const std::string mark = "name=\"csrf-token\" content=\"";
    const size_t at = page.find(mark);
    if (at == std::string::npos) std::abort();
    csrf = page.substr(at + mark.size(), 32);
  }
  // One request on a connection of its own; the reply read to the end of its
  // body (the server always sends Content-Length), or until the server closes.
  std::string send(const std::string& request) const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(uint16_t(server->port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string reply;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      (void)!::write(fd, request.data(), request.size());
      char buf[65536];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof buf)) > 0) {
        reply.append(buf, size_t(n));
        const size_t head = reply.find("\r\n\r\n");
        const size_t length = reply.find("Content-Length: ");
        if (head != std::string::npos && length != std::string::npos && length < head &&
            reply.size() >= head + 4 + std::stoul(reply.substr(length + 16))) {
          break;
        }
      }
    }
    ::close(fd);
    return reply;
  }
  fs::path root;
  std::unique_ptr<tagforge::ReviewStore> store;
  std::unique_ptr<tagforge::ReviewServer> server;
  std::thread thread;
  std::string csrf;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* f = new Fixture();
  if (size == 0) return 0;  // nothing sent: the server waits out its keep-alive time
  std::string request(reinterpret_cast<const char*>(data), size);
  for (size_t at; (at = request.find("@CSRF@")) != std::string::npos;) request.replace(at, 6, f->csrf);
  const std::string reply = f->send(request);
  if (!reply.empty() && reply.rfind("HTTP/1.1 ", 0) != 0) std::abort();
  // The seeds must reach what they aim at (a broken seed would leave the writes unfuzzed).
  static int seeds_left = int(fuzz_seeds().size());
  if (seeds_left-- > 0 && request.find("..") == std::string::npos && reply.rfind("HTTP/1.1 200", 0) != 0) {
    std::fprintf(stderr, "a seed missed its aim: %s\n-> %s\n", request.c_str(), reply.c_str());
    std::abort();
  }
  if (reply.find("TOPSECRET") != std::string::npos || reply.find("root:x:0") != std::string::npos) std::abort();
  return 0;
}
