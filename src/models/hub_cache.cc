#include "models/hub_cache.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "core/atomic_file.h"
#include "core/fs_ops.h"
#include "models/file_digest.h"

namespace tagforge {

namespace fs = std::filesystem;

namespace {

std::string env_or(const char* name, std::string fallback = {}) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::move(fallback);
}

fs::path home() { return env_or("HOME", "/root"); }

bool truthy(std::string_view v) { return v == "1" || v == "true" || v == "TRUE" || v == "yes" || v == "on" || v == "ON"; }

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

}  // namespace

HubSettings HubSettings::from_environment() {
  HubSettings s;
  s.endpoint = env_or("HF_ENDPOINT", s.endpoint);
  while (!s.endpoint.empty() && s.endpoint.back() == '/') s.endpoint.pop_back();
  const fs::path hf_home = env_or("HF_HOME", (fs::path(env_or("XDG_CACHE_HOME", (home() / ".cache").string())) /
                                              "huggingface").string());
  s.cache = env_or("HF_HUB_CACHE", env_or("HUGGINGFACE_HUB_CACHE", (hf_home / "hub").string()));
  s.offline = truthy(env_or("HF_HUB_OFFLINE")) || truthy(env_or("TRANSFORMERS_OFFLINE"));
  if (auto t = env_or("HF_TOKEN", env_or("HUGGING_FACE_HUB_TOKEN")); !t.empty()) {
    s.token = t;
  } else {
    const fs::path token_file = env_or("HF_TOKEN_PATH", (hf_home / "token").string());
    std::error_code ec;
    if (fs::is_regular_file(token_file, ec)) {
      if (auto text = read_whole_file(token_file, "token"); text && !trimmed(*text).empty()) s.token = trimmed(*text);
    }
  }
  s.lock_file = env_or("TAGFORGE_MODELS_LOCK", (fs::path(env_or("XDG_CONFIG_HOME", (home() / ".config").string())) /
                                                "tagforge" / "models.lock").string());
  return s;
}

fs::path hub_repo_dir(const fs::path& cache, std::string_view repo) {
  std::string name = "models--";
  for (char c : repo) {
    if (c == '/') name += "--";
    else name += c;
  }
  return cache / name;
}

bool is_commit_id(std::string_view revision) { return is_hex_digest(revision, 40); }

std::optional<std::string> hub_cached_commit(const fs::path& repo_dir, std::string_view revision) {
  if (is_commit_id(revision)) return std::string(revision);
  const fs::path ref = repo_dir / "refs" / std::string(revision);
  std::error_code ec;
  if (!fs::is_regular_file(ref, ec)) return std::nullopt;
  auto text = read_whole_file(ref, "hub ref");
  if (!text) return std::nullopt;
  std::string commit = trimmed(*text);
  if (!is_commit_id(commit)) return std::nullopt;
  return commit;
}

Status hub_write_ref(const fs::path& repo_dir, std::string_view revision, std::string_view commit) {
  if (is_commit_id(revision)) return ok_status();
  TF_RETURN_IF_ERROR(make_directories(repo_dir / "refs"));
  // huggingface_hub writes the bare commit, no newline.
  return write_file_atomic(repo_dir / "refs" / std::string(revision), commit, Overwrite::kReplace);
}

Status hub_link_snapshot(const fs::path& repo_dir, std::string_view commit, std::string_view path,
                         std::string_view etag) {
  const fs::path link = repo_dir / "snapshots" / std::string(commit) / std::string(path);
  TF_RETURN_IF_ERROR(make_directories(link.parent_path()));
  // From snapshots/COMMIT/a/b/file up to the repository folder: one ".." per folder.
  fs::path target = "..";
  for (size_t depth = std::count(path.begin(), path.end(), '/') + 1; depth > 0; --depth) target /= "..";
  target = target / "blobs" / std::string(etag);
  const fs::path tmp = link.parent_path() / fmt::format(".{}.tf-link-{}", link.filename().string(), ::getpid());
  std::error_code ec;
  fs::remove(tmp, ec);
  fs::create_symlink(target, tmp, ec);
  if (ec) return Error::from_errno(ec.value(), "cannot make the snapshot link", tmp);
  fs::rename(tmp, link, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Error::from_errno(ec.value(), "cannot place the snapshot link", link);
  }
  return fsync_path(link.parent_path());
}

}  // namespace tagforge
