#include "models/lock_file.h"

#include <fmt/format.h>

#include <sstream>
#include <toml++/toml.h>

#include "core/atomic_file.h"
#include "core/fs_ops.h"
#include "models/file_digest.h"
#include "models/hub_cache.h"

namespace tagforge {

namespace fs = std::filesystem;

const LockedFile* LockedModel::file(std::string_view path) const {
  for (const auto& f : files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

Result<ModelLock> parse_model_lock(std::string_view text, const fs::path& origin) {
  toml::table root;
  try {
    root = toml::parse(text, origin.string());
  } catch (const toml::parse_error& e) {
    return Error{ErrorCode::kCorrupt,
                 fmt::format("bad model lock file: {} (line {}); delete it to pin the models afresh", e.description(),
                             e.source().begin.line),
                 origin};
  }
  ModelLock lock;
  for (const auto& [name, node] : root) {
    auto bad = [&, name = name.str()](std::string_view what) {
      return Error{ErrorCode::kCorrupt,
                   fmt::format("model lock entry '{}': {}; delete the entry to pin the model afresh", name, what), origin};
    };
    const toml::table* t = node.as_table();
    if (!t) return bad("not a table");
    LockedModel m;
    m.repo = (*t)["repo"].value_or(std::string());
    m.revision = (*t)["revision"].value_or(std::string());
    m.commit = (*t)["commit"].value_or(std::string());
    if (m.repo.empty() || !is_commit_id(m.commit)) return bad("it needs repo and a 40-digit commit");
    const toml::array* files = (*t)["files"].as_array();
    if (!files) return bad("it needs files");
    for (const toml::node& f : *files) {
      const toml::table* ft = f.as_table();
      if (!ft) return bad("files must be tables");
      LockedFile lf;
      lf.path = (*ft)["path"].value_or(std::string());
      lf.sha256 = (*ft)["sha256"].value_or(std::string());
      const int64_t size = (*ft)["size"].value_or(int64_t(-1));
      if (lf.path.empty() || !is_hex_digest(lf.sha256, 64) || size < 0) return bad("each file needs path, sha256 and size");
      lf.size = uint64_t(size);
      m.files.push_back(std::move(lf));
    }
    lock.models[std::string(name.str())] = std::move(m);
  }
  return lock;
}

Result<ModelLock> read_model_lock(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return ModelLock{};
  auto text = read_whole_file(file, "model lock file");
  if (!text) return text.error();
  return parse_model_lock(*text, file);
}

std::string format_model_lock(const ModelLock& lock) {
  toml::table root;
  for (const auto& [name, m] : lock.models) {
    toml::array files;
    for (const auto& f : m.files) {
      files.push_back(toml::table{{"path", f.path}, {"sha256", f.sha256}, {"size", int64_t(f.size)}});
    }
    root.insert(name, toml::table{{"repo", m.repo}, {"revision", m.revision}, {"commit", m.commit},
                                  {"files", std::move(files)}});
  }
  std::ostringstream out;
  out << "# tagforge models.lock: what each model resolved to on its first pull. Later pulls must match it;\n"
         "# `tagforge models pull --update NAME` moves a model to its revision's newest commit.\n\n"
      << root << "\n";
  return out.str();
}

Status write_model_lock(const fs::path& file, const ModelLock& lock) {
  TF_RETURN_IF_ERROR(make_directories(file.parent_path()));
  return write_file_atomic(file, format_model_lock(lock), Overwrite::kReplace);
}

}  // namespace tagforge
