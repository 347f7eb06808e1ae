#include "models/pull.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/fs_ops.h"

namespace tagforge {

namespace fs = std::filesystem;

namespace {

// What a person can do about a fault, after the message.
std::string advice(HubFault f, const CatalogueEntry& e) {
  const std::string by_hand =
      fmt::format("or put {}'s files ({}) in a folder by hand and pass the folder instead of the name", e.repo,
                  [&] {
                    std::string s;
                    for (const auto& file : e.files) s += (s.empty() ? "" : ", ") + e.repo_path(file);
                    return s;
                  }());
  switch (f) {
    case HubFault::kNetwork:
      return "check the network or HF_ENDPOINT (a mirror), then pull again; " + by_hand;
    case HubFault::kNotFound:
      return "the catalogue's repository, revision or file may have moved upstream; " + by_hand;
    case HubFault::kAuth:
      return by_hand;
    default:
      return "pull again; " + by_hand;
  }
}

Error pull_error(const CatalogueEntry& e, std::string_view file, const HubError& h) {
  return Error{ErrorCode::kIo, fmt::format("{}: {}: {}; {}", e.name, file, h.message, advice(h.fault, e)), {}};
}

Error integrity_error(const CatalogueEntry& e, std::string_view file, std::string_view what) {
  return Error{ErrorCode::kCorrupt,
               fmt::format("{}: {}: {}; nothing was installed (the download was removed). If the model changed "
                           "upstream on purpose, `tagforge models pull --update {}` pins the new one",
                           e.name, file, what, e.name),
               {}};
}

// Holds an exclusive flock on a file under the cache's .locks/ while a blob
// is downloaded, so two pulls into one cache (cluster nodes) do not write one
// partial file at once. huggingface_hub locks the same way.
class BlobLock {
 public:
  static Result<BlobLock> take(const fs::path& cache, const fs::path& repo_dir, const std::string& etag) {
    const fs::path dir = cache / ".locks" / repo_dir.filename();
    TF_RETURN_IF_ERROR(make_directories(dir));
    const fs::path file = dir / (etag + ".lock");
    int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return Error::from_errno(errno, "cannot open the download lock", file);
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno != EINTR) {
        ::close(fd);
        return Error::from_errno(errno, "cannot lock", file);
      }
    }
    return BlobLock(fd);
  }
  BlobLock(BlobLock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  ~BlobLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  explicit BlobLock(int fd) : fd_(fd) {}
  int fd_;
};

// The sha256 of a cached file: its blob's name when that is one (the hub
// names LFS blobs by their sha256), else computed (small git files).
Result<std::string> cached_sha256(const fs::path& file) {
  std::error_code ec;
  const fs::path blob = fs::canonical(file, ec);
  const std::string name = blob.filename().string();
  if (!ec && is_hex_digest(name, 64)) return name;
  auto d = digest_file(file);
  if (!d) return d.error();
  return d->sha256();
}

// Every file of `e` in the snapshot of `commit`, with its size and sha256;
// nothing when one is missing.
std::optional<std::vector<LockedFile>> cached_files(const CatalogueEntry& e, const fs::path& repo_dir,
                                                    const std::string& commit) {
  std::vector<LockedFile> files;
  for (const CatalogueFile& f : e.files) {
    const fs::path p = repo_dir / "snapshots" / commit / e.repo_path(f);
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) return std::nullopt;
    auto sha = cached_sha256(p);
    if (!sha) return std::nullopt;
    files.push_back(LockedFile{f.path, *sha, uint64_t(fs::file_size(p, ec))});
  }
  return files;
}

// Why `got` does not match what the catalogue pins and the lock recorded; "" when it does.
std::string mismatch(const CatalogueFile& f, const LockedModel* locked, std::string_view got) {
  if (!f.sha256.empty() && f.sha256 != got) return fmt::format("sha256 {} is not the catalogue's pin {}", got, f.sha256);
  if (locked) {
    if (const LockedFile* lf = locked->file(f.path); lf && lf->sha256 != got) {
      return fmt::format("sha256 {} is not the {} the lock file recorded", got, lf->sha256);
    }
  }
  return {};
}

}  // namespace

Result<PullResult> pull_model(const CatalogueEntry& e, ModelRegistry& registry, const PullOptions& o) {
  if (!e.from_hub()) {
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("{} is not on the hub: `{}` installs it", e.name, ModelRegistry::install_command(e)), {}};
  }
  const HubSettings& s = registry.settings();
  ModelLock& lock = registry.mutable_lock();
  const fs::path repo_dir = hub_repo_dir(s.cache, e.repo);
  const LockedModel* locked = nullptr;
  if (auto it = lock.models.find(e.name); it != lock.models.end() && !o.update) {
    if (it->second.repo != e.repo) {
      return Error{ErrorCode::kConflict,
                   fmt::format("{}: the lock file pins repository {}, the catalogue names {}; `tagforge models pull "
                               "--update {}` pins the catalogue's",
                               e.name, it->second.repo, e.repo, e.name),
                   s.lock_file};
    }
    locked = &it->second;
  }

  // Everything in the cache already: no request at all.
  std::optional<std::string> commit = locked ? std::optional(locked->commit) : hub_cached_commit(repo_dir, e.revision);
  if (o.update) commit.reset();
  if (commit) {
    if (auto files = cached_files(e, repo_dir, *commit)) {
      for (size_t i = 0; i < files->size(); ++i) {
        if (std::string why = mismatch(e.files[i], locked, (*files)[i].sha256); !why.empty()) {
          return integrity_error(e, e.files[i].path, why + " (in the cache)");
        }
      }
      if (!locked) lock.models[e.name] = LockedModel{e.repo, e.revision, *commit, std::move(*files)};
      PullResult r;
      r.cached = true;
      r.location = *registry.installed(e);
      return r;
    }
  }
  if (s.offline) {
    return Error{ErrorCode::kNotFound,
                 fmt::format("{}: not in the hub cache ({}) and HF_HUB_OFFLINE=1 forbids downloading it; pull it "
                             "where the network is allowed, or unset HF_HUB_OFFLINE",
                             e.name, s.cache.string()),
                 {}};
  }

  HubClient hub(s);
  hub.set_retries(o.attempts, o.backoff_s);
  const std::string revision = locked ? locked->commit : e.revision;
  PullResult result;
  LockedModel resolved{e.repo, e.revision, {}, {}};
  TF_RETURN_IF_ERROR(make_directories(repo_dir / "blobs"));
  for (const CatalogueFile& f : e.files) {
    const std::string path = e.repo_path(f);
    if (o.progress) o.progress(path, 0, 0);
    auto info = hub.file_info(e.repo, revision, path);
    if (!info.ok()) return pull_error(e, path, info.error);
    if (!resolved.commit.empty() && info.value->commit != resolved.commit) {
      return Error{ErrorCode::kConflict,
                   fmt::format("{}: {}: the revision moved to commit {} during the pull (was {}); pull again", e.name,
                               path, info.value->commit, resolved.commit),
                   {}};
    }
    resolved.commit = info.value->commit;
    // Known to be wrong before a byte is fetched: an LFS ETag is the sha256.
    if (info.value->lfs()) {
      if (std::string why = mismatch(f, locked, info.value->etag); !why.empty()) {
        return integrity_error(e, path, "the hub's " + why);
      }
    }
    const fs::path blob = repo_dir / "blobs" / info.value->etag;
    std::error_code ec;
    std::string sha256;
    auto blob_lock = BlobLock::take(s.cache, repo_dir, info.value->etag);
    if (!blob_lock) return blob_lock.error();
    if (fs::is_regular_file(blob, ec) && fs::file_size(blob, ec) == info.value->size) {
      auto sha = cached_sha256(blob);
      if (!sha) return sha.error();
      sha256 = *sha;
    } else {
      const fs::path partial = blob.string() + ".incomplete";
      auto got = hub.download(*info.value, partial,
                              [&](uint64_t done, uint64_t total) { if (o.progress) o.progress(path, done, total); });
      if (!got.ok()) {
        if (got.error.fault == HubFault::kProtocol) fs::remove(partial, ec);
        return pull_error(e, path, got.error);
      }
      const FileDigest& d = *got.value;
      const std::string& id = info.value->lfs() ? d.sha256() : d.git_blob_id();
      std::string why;
      if (id != info.value->etag) why = fmt::format("the bytes hash to {}, not the {} the server stated", id, info.value->etag);
      else why = mismatch(f, locked, d.sha256());
      if (!why.empty()) {
        fs::remove(partial, ec);
        return integrity_error(e, path, why);
      }
      fs::rename(partial, blob, ec);
      if (ec) return Error::from_errno(ec.value(), "cannot install the downloaded file", blob);
      TF_RETURN_IF_ERROR(fsync_path(blob.parent_path()));
      result.downloaded += info.value->size;
      sha256 = d.sha256();
    }
    TF_RETURN_IF_ERROR(hub_link_snapshot(repo_dir, resolved.commit, path, info.value->etag));
    resolved.files.push_back(LockedFile{f.path, sha256, info.value->size});
  }
  TF_RETURN_IF_ERROR(hub_write_ref(repo_dir, revision, resolved.commit));
  if (!locked) lock.models[e.name] = std::move(resolved);
  auto loc = registry.installed(e);
  if (!loc) return Error{ErrorCode::kInternal, e.name + ": pulled, yet not found in the cache", repo_dir};
  result.location = std::move(*loc);
  return result;
}

Result<std::vector<VerifiedFile>> verify_model(const CatalogueEntry& e, const ModelRegistry& registry) {
  auto loc = registry.installed(e);
  if (!loc) {
    return Error{ErrorCode::kNotFound,
                 fmt::format("{} is not installed: run `{}`", e.name, ModelRegistry::install_command(e)), {}};
  }
  std::vector<VerifiedFile> out;
  if (!e.from_hub()) {  // a set-up script's folder: what its script checked; here only that it is whole
    return out;
  }
  const LockedModel* locked = nullptr;
  if (auto it = registry.lock().models.find(e.name); it != registry.lock().models.end()) locked = &it->second;
  const fs::path snapshot = hub_repo_dir(registry.settings().cache, e.repo) / "snapshots" / loc->commit;
  for (const CatalogueFile& f : e.files) {
    const fs::path p = snapshot / e.repo_path(f);
    std::error_code ec;
    // The blob's name is its ETag: a git blob id (small files) or the sha256 (LFS).
    const std::string etag = fs::canonical(p, ec).filename().string();
    const bool git_id = !ec && is_hex_digest(etag, 40), lfs_id = !ec && is_hex_digest(etag, 64);
    auto d = digest_file(p, git_id);
    if (!d) return d.error();
    VerifiedFile v{e.repo_path(f), d->sha256(), {}};
    const std::string& id = git_id ? d->git_blob_id() : d->sha256();
    if ((git_id || lfs_id) && id != etag) {
      v.problem = fmt::format("its bytes hash to {}, but its blob is named {} (damaged on disk)", id, etag);
    } else {
      v.problem = mismatch(f, locked, d->sha256());
    }
    out.push_back(std::move(v));
  }
  return out;
}

Result<uint64_t> remove_model(const CatalogueEntry& e, ModelRegistry& registry) {
  if (!e.from_hub()) {
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("{} is a bundled model; remove {} by hand", e.name, ModelRegistry::bundled_dir(e).string()), {}};
  }
  const fs::path repo_dir = hub_repo_dir(registry.settings().cache, e.repo);
  auto loc = registry.installed(e);
  uint64_t freed = 0;
  std::error_code ec;
  if (loc) {
    const fs::path snapshot = repo_dir / "snapshots" / loc->commit;
    for (const CatalogueFile& f : e.files) {
      const fs::path link = snapshot / e.repo_path(f);
      const fs::path blob = fs::canonical(link, ec);
      fs::remove(link, ec);
      if (blob.empty()) continue;
      // Another snapshot (another commit, or another model of the same repository) may share it.
      bool used = false;
      for (auto it = fs::recursive_directory_iterator(repo_dir / "snapshots", ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code ec2;
        if (it->is_symlink(ec2) && fs::canonical(it->path(), ec2) == blob) used = true;
      }
      if (!used) {
        freed += fs::file_size(blob, ec);
        fs::remove(blob, ec);
      }
    }
    // Empty folders left in the snapshot, deepest first.
    for (fs::path dir = e.subfolder.empty() ? snapshot : snapshot / e.subfolder; dir != repo_dir / "snapshots";
         dir = dir.parent_path()) {
      if (!fs::is_empty(dir, ec) || !fs::remove(dir, ec)) break;
    }
  }
  if (fs::is_empty(repo_dir / "snapshots", ec)) fs::remove_all(repo_dir, ec);
  registry.mutable_lock().models.erase(e.name);
  return freed;
}

}  // namespace tagforge
