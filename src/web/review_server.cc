#include "web/review_server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <chrono>
#include <random>
#include <thread>

#include "core/fs_ops.h"
#include "pipeline/stage_figures.h"
#include "web/page_assets.h"
#include "web/thumbnails.h"

namespace tagforge {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr size_t kMaxPage = 1000;      // items per gallery request
constexpr size_t kMaxBatchIds = 200000;

std::string random_token() {
  std::random_device rd;
  std::string out;
  for (int i = 0; i < 4; ++i) out += fmt::format("{:08x}", rd());
  return out;
}

void send_json(httplib::Response& res, const json& body, int status = 200) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, json{{"error", message}}, status);
}

int status_of(const Error& e) {
  switch (e.code) {
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kBusy: return 409;
    case ErrorCode::kInvalidInput: return 400;
    default: return 500;
  }
}

std::string media_type_of(const fs::path& file) {
  std::string ext = file.extension().string();
  for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".webp") return "image/webp";
  if (ext == ".gif") return "image/gif";
  if (ext == ".bmp") return "image/bmp";
  if (ext == ".avif") return "image/avif";
  return "application/octet-stream";
}

// "host:port" or "[v6]:port" → host.
std::string host_name_of(const std::string& header) {
  if (!header.empty() && header[0] == '[') return header.substr(1, header.find(']') - 1);
  return header.substr(0, header.rfind(':') == std::string::npos ? header.size() : header.rfind(':'));
}

std::optional<float> number_param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::nullopt;
  try {
    return std::stof(req.get_param_value(name));
  } catch (...) {
    return std::nullopt;
  }
}

size_t count_param(const httplib::Request& req, const char* name, size_t fallback, size_t most) {
  if (!req.has_param(name)) return fallback;
  try {
    return std::min<size_t>(std::stoul(req.get_param_value(name)), most);
  } catch (...) {
    return fallback;
  }
}

IndexQuery query_of(const httplib::Request& req) {
  IndexQuery q;
  q.flagged_only = req.get_param_value("flagged") == "1";
  q.errors_only = req.get_param_value("errors") == "1";
  q.duplicates_only = req.get_param_value("duplicates") == "1";
  q.low_quality_only = req.get_param_value("quality") == "low";
  q.score_below = number_param(req, "below");
  q.nsfw_at_least = number_param(req, "nsfw");
  q.tag_substring = req.get_param_value("tag");
  const std::string sort = req.get_param_value("sort");
  using Order = IndexQuery::Order;
  q.order = sort == "score" ? Order::kScoreAscending
            : sort == "-score" ? Order::kScoreDescending
            : sort == "nsfw" ? Order::kNsfwDescending
            : sort == "sharpness" ? Order::kSharpnessAscending
                             : Order::kPath;
  return q;
}

json summary_of(uint32_t id, const IndexEntry& e) {
  json j{{"id", id}, {"name", fs::path(e.path).filename().string()}, {"flagged", e.flagged},
         {"approved", e.approved}, {"edited", e.edited}, {"error", e.has_error}};
  j["thumb"] = thumbnail_address(id, e.hash);
  if (!e.keeper.empty()) j["copy"] = e.keeper == e.path ? "kept" : "set aside";
  if (e.keep_chosen) j["chosen"] = true;
  j["score"] = e.score ? json(*e.score) : json(nullptr);
  j["nsfw"] = e.nsfw ? json(*e.nsfw) : json(nullptr);
  j["sharpness"] = e.sharpness ? json(*e.sharpness) : json(nullptr);
  if (e.low_quality) j["low_quality"] = true;
  return j;
}

std::vector<std::string> string_list(const json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const json& v : j) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

ReviewServer::~ReviewServer() = default;

Result<std::unique_ptr<ReviewServer>> ReviewServer::bind(ReviewStore& store, const ServeOptions& options) {
  std::unique_ptr<ReviewServer> s(new ReviewServer());
  s->store_ = &store;
  s->options_ = options;
  s->http_ = std::make_unique<httplib::Server>();
  s->csrf_token_ = random_token();
  if (!is_loopback_host(options.host)) s->access_token_ = options.token.empty() ? random_token() : options.token;
  s->http_->set_payload_max_length(options.max_body);
  s->http_->set_read_timeout(options.read_timeout_ms / 1000, (options.read_timeout_ms % 1000) * 1000);
  s->http_->set_keep_alive_timeout(1);  // an idle browser connection holds up a stop for at most this long
  s->http_->set_tcp_nodelay(true);  // headers and body go in two writes: without it, each answer waits for a delayed ACK
  s->routes();
  if (options.port == 0) {
    s->port_ = s->http_->bind_to_any_port(options.host);
  } else if (s->http_->bind_to_port(options.host, options.port)) {
    s->port_ = options.port;
  } else {
    s->port_ = -1;
  }
  if (s->port_ <= 0) {
    return Error{ErrorCode::kBusy,
                 fmt::format("cannot listen on {} port {}: taken, or not an address of this machine (--port 0 takes any free port)",
                             options.host, options.port),
                 {}};
  }
  return s;
}

std::string ReviewServer::url() const {
  const std::string host = options_.host.find(':') != std::string::npos ? "[" + options_.host + "]" : options_.host;
  std::string u = fmt::format("http://{}:{}/", host, port_);
  if (!access_token_.empty()) u += "?token=" + access_token_;
  return u;
}

void ReviewServer::serve() {
  http_->listen_after_bind();
  served_ = true;
}

void ReviewServer::stop() {
  // httplib's stop() does nothing before its loop has started: a stop right
  // after the start (Ctrl+C at once) waits for the loop, then ends it.
  while (!http_->is_running() && !served_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  http_->stop();
}

void ReviewServer::routes() {
  httplib::Server& h = *http_;
  ReviewStore& store = *store_;

  // Who may ask at all: a loopback Host on a loopback server, the token elsewhere.
  h.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    using R = httplib::Server::HandlerResponse;
    if (access_token_.empty()) {
      if (!is_loopback_host(host_name_of(req.get_header_value("Host")))) {
        send_error(res, 403, "this server answers only to loopback names (127.0.0.1, localhost)");
        return R::Handled;
      }
    } else {
      const std::string cookie = req.get_header_value("Cookie");
      const bool ok = req.get_param_value("token") == access_token_ ||
                      req.get_header_value("Authorization") == "Bearer " + access_token_ ||
                      cookie.find("tagforge_token=" + access_token_) != std::string::npos;
      if (!ok) {
        send_error(res, 401, "this server needs its access token (printed when it started)");
        return R::Handled;
      }
      if (req.get_param_value("token") == access_token_) {
        res.set_header("Set-Cookie", "tagforge_token=" + access_token_ + "; HttpOnly; SameSite=Strict; Path=/");
      }
    }
    if (req.method == "POST") {
      const std::string origin = req.get_header_value("Origin");
      if (req.get_header_value("X-CSRF-Token") != csrf_token_ ||
          (!origin.empty() && origin != "http://" + req.get_header_value("Host"))) {
        send_error(res, 403, "missing or wrong CSRF token: reload the page");
        return R::Handled;
      }
    }
    res.set_header("X-Content-Type-Options", "nosniff");
    return R::Unhandled;
  });

  h.Get("/", [this](const httplib::Request&, httplib::Response& res) {
    std::string page(kPageIndexHtml);
    const std::string mark = "{{csrf_token}}";
    page.replace(page.find(mark), mark.size(), csrf_token_);
    res.set_header("Cache-Control", "no-store");  // it holds this run's CSRF token
    res.set_header("Content-Security-Policy",
                   "default-src 'self'; img-src 'self' blob:; style-src 'self'; script-src 'self'; frame-ancestors 'none'");
    res.set_content(page, "text/html; charset=utf-8");
  });
  h.Get("/app.js", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(kPageAppJs), "text/javascript; charset=utf-8");
  });
  h.Get("/app.css", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(kPageAppCss), "text/css; charset=utf-8");
  });

  h.Get("/api/items", [&store](const httplib::Request& req, httplib::Response& res) {
    if (Status st = store.index_status(); !st.ok()) return send_error(res, 500, st.error().to_string());
    const auto selected = store.index().select(query_of(req));
    const std::vector<uint32_t>& ids = *selected;
    const size_t offset = std::min(count_param(req, "offset", 0, ids.size()), ids.size());
    const size_t limit = count_param(req, "limit", 200, kMaxPage);
    json items = json::array();
    for (size_t i = offset; i < ids.size() && i < offset + limit; ++i) {
      if (auto e = store.index().entry(ids[i])) items.push_back(summary_of(ids[i], *e));
    }
    send_json(res, json{{"total", ids.size()}, {"all", store.index().size()}, {"offset", offset}, {"items", items}});
  });
  // The last run that computed anything: each stage's images/s and device (stage_figures.h).
  h.Get("/api/run", [&store](const httplib::Request&, httplib::Response& res) {
    const fs::path file = store.dir() / kStageFiguresFile;
    std::error_code ec;
    if (!fs::exists(file, ec)) return send_error(res, 404, "no run has recorded its stages' figures here yet");
    auto bytes = read_whole_file(file, "the stages' figures");
    if (!bytes) return send_error(res, 500, bytes.error().to_string());
    json doc = json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return send_error(res, 500, file.string() + ": not JSON");
    send_json(res, doc);
  });
  // Every id the filter passes (for a batch over the selection), at most a page of them.
  h.Get("/api/ids", [&store](const httplib::Request& req, httplib::Response& res) {
    std::vector<uint32_t> ids = *store.index().select(query_of(req));
    if (ids.size() > kMaxBatchIds) ids.resize(kMaxBatchIds);
    send_json(res, json{{"ids", ids}});
  });

  // Items by id: digits only, so nothing that reaches a handler can name a path.
  auto with_id = [&store](const httplib::Request& req, httplib::Response& res) -> std::optional<uint32_t> {
    const std::string& digits = req.matches[1].str();
    const uint64_t id = digits.size() > 9 ? UINT64_MAX : std::stoull(digits);
    if (id >= store.index().size()) {
      send_error(res, 404, "no such item");
      return std::nullopt;
    }
    return uint32_t(id);
  };
  h.Get(R"(/api/items/(\d+))", [&store, with_id](const httplib::Request& req, httplib::Response& res) {
    auto id = with_id(req, res);
    if (!id) return;
    auto d = store.detail(*id);
    if (!d) return send_error(res, status_of(d.error()), d.error().to_string());
    send_json(res, *d);
  });
  h.Get(R"(/api/items/(\d+)/image)", [&store, with_id](const httplib::Request& req, httplib::Response& res) {
    auto id = with_id(req, res);
    if (!id) return;
    const fs::path file = store.image_file(*id);
    auto bytes = read_whole_file(file, "image");
    if (!bytes) return send_error(res, 404, bytes.error().to_string());
    res.set_content(std::move(*bytes), media_type_of(file));
    res.set_header("Cache-Control", "no-cache");
  });
  h.Get(R"(/api/items/(\d+)/thumb)", [&store, with_id](const httplib::Request& req, httplib::Response& res) {
    auto id = with_id(req, res);
    if (!id) return;
    auto jpeg = store.thumbnail(*id);
    if (!jpeg) return send_error(res, 404, jpeg.error().to_string());
    res.set_content(std::move(*jpeg), "image/jpeg");
    res.set_header("Cache-Control", "private, max-age=3600");
  });
  h.Get("/api/tags", [&store](const httplib::Request& req, httplib::Response& res) {
    auto hits = store.suggest(req.get_param_value("q"), count_param(req, "limit", 12, 50));
    if (!hits) return send_error(res, status_of(hits.error()), hits.error().to_string());
    send_json(res, json{{"tags", *hits}});
  });

  auto body_of = [](const httplib::Request& req, httplib::Response& res) -> std::optional<json> {
    json j = json::parse(req.body, nullptr, false);
    if (!j.is_object()) {
      send_error(res, 400, "the request body is not a JSON object");
      return std::nullopt;
    }
    return j;
  };
  auto answer = [&store](httplib::Response& res, const Status& st, uint32_t id) {
    if (!st.ok()) return send_error(res, status_of(st.error()), st.error().to_string());
    auto d = store.detail(id);
    if (!d) return send_error(res, status_of(d.error()), d.error().to_string());
    send_json(res, *d);
  };
  h.Post(R"(/api/items/(\d+))", [&store, with_id, body_of, answer](const httplib::Request& req, httplib::Response& res) {
    auto id = with_id(req, res);
    auto body = id ? body_of(req, res) : std::nullopt;
    if (!body) return;
    std::optional<std::vector<std::string>> tags;
    std::optional<std::string> caption;
    if (body->contains("tags")) tags = string_list((*body)["tags"]);
    if (body->contains("caption") && (*body)["caption"].is_string()) caption = (*body)["caption"].get<std::string>();
    answer(res, store.save(*id, tags, caption), *id);
  });
  h.Post(R"(/api/items/(\d+)/approve)", [&store, with_id, body_of, answer](const httplib::Request& req,
                                                                          httplib::Response& res) {
    auto id = with_id(req, res);
    auto body = id ? body_of(req, res) : std::nullopt;
    if (!body) return;
    answer(res, store.approve(*id, body->value("approved", true)), *id);
  });
  h.Post(R"(/api/items/(\d+)/keep)", [&store, with_id, answer](const httplib::Request& req, httplib::Response& res) {
    if (auto id = with_id(req, res)) answer(res, store.keep(*id), *id);
  });
  h.Post("/api/batch", [&store, body_of](const httplib::Request& req, httplib::Response& res) {
    auto body = body_of(req, res);
    if (!body) return;
    std::vector<uint32_t> ids;
    if ((*body)["ids"].is_array()) {
      for (const json& v : (*body)["ids"]) {
        if (!v.is_number_unsigned() || v.get<uint64_t>() >= store.index().size()) {
          return send_error(res, 400, "ids must be the items' numbers");
        }
        ids.push_back(v.get<uint32_t>());
      }
    }
    TagBatch what;
    what.add = string_list((*body)["add"]);
    what.remove = string_list((*body)["remove"]);
    if ((*body)["replace"].is_array()) {
      for (const json& pair : (*body)["replace"]) {
        const std::vector<std::string> p = string_list(pair);
        if (p.size() == 2) what.replace.emplace_back(p[0], p[1]);
      }
    }
    auto changed = store.batch(ids, what);
    if (!changed) return send_error(res, status_of(changed.error()), changed.error().to_string());
    send_json(res, json{{"changed", *changed}});
  });
  h.Post("/api/undo", [&store](const httplib::Request&, httplib::Response& res) {
    auto ids = store.undo();
    if (!ids) return send_error(res, status_of(ids.error()), ids.error().to_string());
    send_json(res, json{{"undone", *ids}});
  });
}

}  // namespace tagforge
