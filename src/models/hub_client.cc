#include "models/hub_client.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "core/fs_ops.h"
#include "models/blob_writer.h"
#include "models/plain_http.h"

namespace tagforge {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxRedirects = 10;

std::string strip_etag(std::string e) {
  if (e.rfind("W/", 0) == 0) e.erase(0, 2);
  if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
  return e;
}

bool retryable(HubFault f) { return f == HubFault::kNetwork || f == HubFault::kServer; }

void pause_before(int attempt, double backoff_s) {
  thread_local std::mt19937_64 jitter(std::random_device{}());
  double pause = backoff_s * double(1u << std::min(attempt, 10));
  pause *= std::uniform_real_distribution<double>(0.75, 1.25)(jitter);
  std::this_thread::sleep_for(std::chrono::duration<double>(std::min(pause, 30.0)));
}

std::unique_ptr<httplib::Client> client_for(const std::string& origin) {
  auto http = std::make_unique<httplib::Client>(origin);
  http->set_follow_location(false);  // redirects are followed here, so the token stays on its host
  http->set_connection_timeout(10, 0);
  http->set_read_timeout(60, 0);
  http->set_write_timeout(60, 0);
  http->set_decompress(false);
  return http;
}

// What a status other than 2xx/3xx means, in words a person can act on.
HubError status_error(int status, const HeaderLookup& header, std::string_view repo, std::string_view revision,
                      const HubSettings& s) {
  const std::string code = header("X-Error-Code");
  if (status == 401 || status == 403) {
    if (code == "GatedRepo") {
      return {HubFault::kAuth, fmt::format("HTTP {}: {} is a gated repository: accept its conditions at {}/{} and set "
                                           "HF_TOKEN to a token of that account",
                                           status, repo, s.endpoint, repo)};
    }
    if (code == "RepoNotFound") {
      return {HubFault::kAuth, fmt::format("HTTP {}: no repository {} (or it is private: set HF_TOKEN)", status, repo)};
    }
    return {HubFault::kAuth, fmt::format("HTTP {}: not allowed to read {} ({}set HF_TOKEN to a token that can)", status,
                                         repo, s.token ? "the token was refused; " : "")};
  }
  if (status == 404) {
    if (code == "EntryNotFound") return {HubFault::kNotFound, fmt::format("HTTP 404: no such file in {} at {}", repo, revision)};
    if (code == "RevisionNotFound") return {HubFault::kNotFound, fmt::format("HTTP 404: {} has no revision {}", repo, revision)};
    if (code == "RepoNotFound") return {HubFault::kNotFound, fmt::format("HTTP 404: no repository {}", repo)};
    return {HubFault::kNotFound, "HTTP 404: not found"};
  }
  if (status == 429 || status >= 500) return {HubFault::kServer, fmt::format("HTTP {}", status)};
  return {HubFault::kProtocol, fmt::format("HTTP {}", status)};
}

HubError network_error(const std::string& origin, httplib::Error e) {
  return {HubFault::kNetwork, fmt::format("cannot reach {} ({})", origin, httplib::to_string(e))};
}

// One GET of `path` from `origin`: plain http through plain_http (large
// reads), https through httplib. The callbacks see the status and headers,
// then the body; either may cancel. Returns what kept the GET from
// finishing, other than a cancel.
std::optional<std::string> fetch(const std::string& origin, const std::string& path,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 const std::function<bool(int, const HeaderLookup&)>& on_response,
                                 const std::function<bool(const char*, size_t)>& on_body) {
  if (origin.rfind("http://", 0) == 0) {
    const PlainHttpResult r = plain_http_get(origin, path, headers, on_response, on_body);
    using Outcome = PlainHttpResult::Outcome;
    if (r.outcome == Outcome::kDone || r.outcome == Outcome::kCanceled) return std::nullopt;
    return r.detail;
  }
  auto http = client_for(origin);
  const httplib::Headers h(headers.begin(), headers.end());
  auto res = http->Get(
      path, h,
      [&](const httplib::Response& r) {
        return on_response(r.status, [&](std::string_view name) { return r.get_header_value(std::string(name)); });
      },
      [&](const char* data, size_t n) { return on_body(data, n); });
  if (!res && res.error() != httplib::Error::Canceled) return httplib::to_string(res.error());
  return std::nullopt;
}

// "bytes START-END/TOTAL" -> START.
std::optional<uint64_t> range_start(const std::string& content_range) {
  uint64_t start = 0;
  if (std::sscanf(content_range.c_str(), "bytes %lu-", &start) != 1) return std::nullopt;
  return start;
}

}  // namespace

bool split_url(std::string_view url, std::string& origin, std::string& path) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return false;
  const std::string_view scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return false;
  const size_t path_start = url.find('/', scheme_end + 3);
  origin = std::string(url.substr(0, path_start));
  path = path_start == std::string_view::npos ? "/" : std::string(url.substr(path_start));
  return origin.size() > scheme_end + 3;
}

std::string url_encode_path(std::string_view path) {
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') out += char(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

HubClient::HubClient(const HubSettings& settings) : s_(settings) {}

void HubClient::set_retries(int attempts, double backoff_s) {
  attempts_ = std::max(1, attempts);
  backoff_s_ = backoff_s;
}

HubResult<HubFileInfo> HubClient::file_info(std::string_view repo, std::string_view revision, std::string_view path) {
  std::string endpoint_origin, base_path;
  if (!split_url(s_.endpoint, endpoint_origin, base_path)) {
    return {std::nullopt, {HubFault::kProtocol, fmt::format("HF_ENDPOINT '{}' is not an http(s) address", s_.endpoint)}};
  }
  if (base_path == "/") base_path.clear();
  const std::string first = fmt::format("{}/{}/resolve/{}/{}", base_path, repo, url_encode_path(revision),
                                        url_encode_path(path));
  HubError last;
  for (int attempt = 0; attempt < attempts_; ++attempt) {
    if (attempt) pause_before(attempt - 1, backoff_s_);
    std::string req_path = first;
    auto http = client_for(endpoint_origin);
    httplib::Headers headers{{"Accept-Encoding", "identity"}, {"User-Agent", "tagforge/0.1"}};
    if (s_.token) headers.emplace("Authorization", "Bearer " + *s_.token);
    for (int hop = 0;; ++hop) {
      auto res = http->Head(req_path, headers);
      if (!res) {
        last = network_error(endpoint_origin, res.error());
        break;
      }
      const std::string location = res->get_header_value("Location");
      if (res->status >= 300 && res->status < 400 && !location.empty() && location.front() == '/') {
        if (hop == kMaxRedirects) return {std::nullopt, {HubFault::kProtocol, "too many redirects"}};
        req_path = location;  // a renamed repository: same host
        continue;
      }
      if (res->status >= 400 || (res->status >= 300 && location.empty())) {
        last = status_error(res->status, [&](std::string_view n) { return res->get_header_value(std::string(n)); }, repo,
                            revision, s_);
        break;
      }
      HubFileInfo info;
      info.commit = res->get_header_value("X-Repo-Commit");
      info.etag = strip_etag(res->get_header_value("X-Linked-Etag"));
      if (info.etag.empty()) info.etag = strip_etag(res->get_header_value("ETag"));
      std::string size = res->get_header_value("X-Linked-Size");
      if (size.empty()) size = res->get_header_value("Content-Length");
      info.size = std::strtoull(size.c_str(), nullptr, 10);
      info.url = res->status >= 300 ? location : endpoint_origin + req_path;
      if (!is_commit_id(info.commit) || info.etag.empty() || size.empty()) {
        return {std::nullopt,
                {HubFault::kProtocol, fmt::format("{} does not answer as the hub does (no X-Repo-Commit, ETag or size)",
                                                  s_.endpoint)}};
      }
      if (info.etag.find('/') != std::string::npos || info.etag.find("..") != std::string::npos) {
        return {std::nullopt, {HubFault::kProtocol, "the server's ETag is not a plain name"}};
      }
      return {std::move(info), {}};
    }
    if (!retryable(last.fault)) break;
  }
  if (retryable(last.fault)) last.message += fmt::format(" after {} attempts", attempts_);
  return {std::nullopt, last};
}

HubResult<FileDigest> HubClient::download(const HubFileInfo& info, const fs::path& partial,
                                          const DownloadProgress& progress) {
  std::string endpoint_origin, ignored;
  split_url(s_.endpoint, endpoint_origin, ignored);
  const std::optional<uint64_t> git_size = info.lfs() ? std::nullopt : std::optional<uint64_t>(info.size);
  UniqueFd fd(::open(partial.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) return {std::nullopt, {HubFault::kFile, Error::from_errno(errno, "cannot open", partial).to_string()}};
  uint64_t have = uint64_t(::lseek(fd.get(), 0, SEEK_END));
  if (have > info.size) {  // not this file's beginning: start over
    if (::ftruncate(fd.get(), 0) != 0) return {std::nullopt, {HubFault::kFile, "cannot truncate " + partial.string()}};
    ::lseek(fd.get(), 0, SEEK_SET);
    have = 0;
  }
  FileDigest digest(git_size);
  if (have > 0) {
    if (Status st = digest.update_from_file(partial, have); !st.ok()) return {std::nullopt, {HubFault::kFile, st.error().to_string()}};
  }
  if (progress) progress(have, info.size);

  HubError last;
  std::optional<Error> write_error;
  BlobWriter writer(fd.get(), partial, &digest);
  for (int failures = 0; have < info.size && failures < attempts_;) {
    if (failures) pause_before(failures - 1, backoff_s_);
    const uint64_t before = have;
    std::string url = info.url;
    bool done_hops = false;
    for (int hop = 0; hop <= kMaxRedirects && !done_hops; ++hop) {
      std::string origin, path;
      if (!split_url(url, origin, path)) {
        return {std::nullopt, {HubFault::kProtocol, fmt::format("a redirect to '{}', which is not http(s)", url)}};
      }
      std::vector<std::pair<std::string, std::string>> headers{{"Accept-Encoding", "identity"},
                                                               {"User-Agent", "tagforge/0.1"}};
      if (s_.token && origin == endpoint_origin) headers.emplace_back("Authorization", "Bearer " + *s_.token);
      if (have > 0) headers.emplace_back("Range", fmt::format("bytes={}-", have));
      int status = 0;
      std::string location, error_code;
      std::optional<HubError> refused;
      const auto failed = fetch(
          origin, path, headers,
          [&](int st, const HeaderLookup& header) {
            status = st;
            location = header("Location");
            error_code = header("X-Error-Code");
            if (status == 206) {
              auto start = range_start(header("Content-Range"));
              if (!start || *start != have) {
                refused = HubError{HubFault::kProtocol, "the server sent another range than asked for"};
                return false;
              }
            } else if (status == 200 && have > 0) {  // Range ignored: from the start again
              if (Status st = writer.restart(FileDigest(git_size)); !st.ok()) {
                write_error = st.error();
                return false;
              }
              have = 0;
            }
            return true;
          },
          [&](const char* data, size_t n) {
            if (status != 200 && status != 206) return true;  // a redirect's or an error's body
            if (have + n > info.size) {
              refused = HubError{HubFault::kProtocol, fmt::format("the server sent more than the {} bytes it announced", info.size)};
              return false;
            }
            have += n;
            if (progress) progress(have, info.size);
            return writer.append(data, n);
          });
      if (Status st = writer.drain(); !st.ok() && !write_error) write_error = st.error();
      if (write_error) return {std::nullopt, {HubFault::kFile, write_error->to_string()}};
      if (refused) {
        (void)writer.restart(FileDigest(git_size));  // not this file's bytes: nothing to resume from
        return {std::nullopt, *refused};
      }
      if (failed) {
        last = {HubFault::kNetwork, fmt::format("cannot reach {} ({})", origin, *failed)};
        done_hops = true;
      } else if (status >= 300 && status < 400 && !location.empty()) {
        url = location.front() == '/' ? origin + location : location;
      } else if (status == 416 && have >= info.size) {
        done_hops = true;  // it was whole already
      } else if (status >= 400) {
        last = status_error(status, [&](std::string_view n) { return n == "X-Error-Code" ? error_code : std::string(); },
                            "the file's host", "", s_);
        if (status == 416 && writer.restart(FileDigest(git_size)).ok()) {  // a stale partial file: from the start
          have = 0;
          last.fault = HubFault::kServer;
        }
        done_hops = true;
      } else {
        done_hops = true;
        if (have < info.size) last = {HubFault::kNetwork, fmt::format("the connection ended at byte {} of {}", have, info.size)};
      }
    }
    if (!done_hops) last = {HubFault::kProtocol, fmt::format("more than {} redirects from {}", kMaxRedirects, info.url)};
    if (have >= info.size) break;
    if (!retryable(last.fault)) return {std::nullopt, last};
    failures = have > before ? 1 : failures + 1;  // progress earns a fresh set of attempts
  }
  if (have < info.size) {
    last.message += fmt::format(" after {} attempts (the {} bytes so far are kept for the next pull to resume)",
                                attempts_, have);
    return {std::nullopt, last};
  }
  if (Status st = fsync_fd(fd.get(), partial); !st.ok()) return {std::nullopt, {HubFault::kFile, st.error().to_string()}};
  digest.finish();
  return {std::move(digest), {}};
}

}  // namespace tagforge
