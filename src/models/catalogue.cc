#include "models/catalogue.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>
#include <toml++/toml.h>

#include "core/fs_ops.h"
#include "models/file_digest.h"
#include "tagforge/tag_db.h"

namespace tagforge {

namespace fs = std::filesystem;

namespace {

const std::set<std::string_view> kKinds = {"wd-v3", "joytag", "yolo", "isnet", "nsfw"};
const std::set<std::string_view> kKeys = {"kind",  "description", "repo",    "revision", "subfolder", "files",
                                          "licence", "size",      "bundled", "fetch",    "profile"};

// A name on the command line and in a config: letters, digits, '-', '_', '.'.
bool is_model_name(std::string_view s) {
  if (s.empty() || s == "none") return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  }
  return true;
}

// A repository id as the hub spells it: "org/name", no "..", no spaces.
bool is_repo_id(std::string_view s) {
  const size_t slash = s.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == s.size()) return false;
  if (s.find('/', slash + 1) != std::string_view::npos || s.find("..") != std::string_view::npos) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '/')) return false;
  }
  return true;
}

// A path inside a repository: relative, no "." or ".." parts, no backslash.
bool is_repo_file(std::string_view s) {
  if (s.empty() || s.front() == '/' || s.back() == '/' || s.find('\\') != std::string_view::npos) return false;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find('/', start);
    if (end == std::string_view::npos) end = s.size();
    const std::string_view part = s.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

class EntryReader {
 public:
  EntryReader(const toml::table& t, std::string_view name, const fs::path& origin)
      : t_(t), name_(name), origin_(origin) {}

  Error bad(std::string_view key, std::string_view want) const {
    return Error{ErrorCode::kInvalidInput, fmt::format("model '{}': '{}' must be {}", name_, key, want), origin_};
  }
  // The string at `key`; "" when absent; an error when not a string.
  Result<std::string> text(std::string_view key) const {
    if (!t_.contains(key)) return std::string();
    if (auto v = t_[key].value<std::string>()) return *v;
    return bad(key, "a string");
  }

 private:
  const toml::table& t_;
  std::string_view name_;
  const fs::path& origin_;
};

Result<std::vector<CatalogueFile>> read_files(const toml::node& node, const EntryReader& r) {
  const toml::array* arr = node.as_array();
  if (!arr || arr->empty()) return r.bad("files", "a non-empty array of file names or {path, sha256} tables");
  std::vector<CatalogueFile> files;
  for (const toml::node& n : *arr) {
    CatalogueFile f;
    if (auto s = n.value<std::string>()) {
      f.path = *s;
    } else if (const toml::table* t = n.as_table()) {
      for (const auto& [k, v] : *t) {
        if (k.str() != "path" && k.str() != "sha256") return r.bad("files", "tables of path and sha256 only");
      }
      f.path = (*t)["path"].value_or(std::string());
      f.sha256 = (*t)["sha256"].value_or(std::string());
      if (!f.sha256.empty() && !is_hex_digest(f.sha256, 64)) return r.bad("files", "sha256 values of 64 lowercase hex digits");
    } else {
      return r.bad("files", "an array of file names or {path, sha256} tables");
    }
    if (!is_repo_file(f.path)) return r.bad("files", "relative paths without '.' or '..' parts");
    files.push_back(std::move(f));
  }
  return files;
}

Result<CatalogueEntry> read_entry(std::string_view name, const toml::table& t, const fs::path& origin) {
  EntryReader r(t, name, origin);
  for (const auto& [key, node] : t) {
    if (!kKeys.count(key.str())) return r.bad(key.str(), "one of the known keys (unknown key)");
  }
  if (!is_model_name(name)) {
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("model name '{}' must be letters, digits, '-', '_' or '.' (and not \"none\")", name), origin};
  }
  CatalogueEntry e;
  e.name = std::string(name);
  std::string* fields[] = {&e.kind, &e.description, &e.repo, &e.revision, &e.subfolder,
                           &e.licence, &e.size, &e.bundled, &e.fetch_script, &e.profile};
  const char* keys[] = {"kind", "description", "repo", "revision", "subfolder",
                        "licence", "size", "bundled", "fetch", "profile"};
  for (size_t i = 0; i < std::size(keys); ++i) {
    auto v = r.text(keys[i]);
    if (!v) return v.error();
    *fields[i] = std::move(*v);
  }
  if (!kKinds.count(e.kind)) return r.bad("kind", "\"wd-v3\", \"joytag\", \"yolo\", \"isnet\" or \"nsfw\"");
  if (e.repo.empty() == e.bundled.empty()) return r.bad("repo", "given for a hub model, or else 'bundled' (not both)");
  if (e.from_hub()) {
    if (!is_repo_id(e.repo)) return r.bad("repo", "a hub repository id, \"org/name\"");
    if (e.revision.empty()) e.revision = "main";
    if (e.revision.find('/') != std::string::npos || e.revision.find("..") != std::string::npos) {
      return r.bad("revision", "a branch, tag or commit without '/'");
    }
    if (!e.subfolder.empty() && !is_repo_file(e.subfolder)) return r.bad("subfolder", "a relative path");
    if (!t.contains("files")) return r.bad("files", "given for a hub model");
    auto files = read_files(*t.get("files"), r);
    if (!files) return files.error();
    e.files = std::move(*files);
  } else {
    if (!is_model_name(e.bundled)) return r.bad("bundled", "a folder name");
    if (t.contains("files") || !e.subfolder.empty()) return r.bad("files", "left out for a bundled model");
  }
  if (!e.profile.empty()) {
    try {
      (void)toml::parse(e.profile);
    } catch (const toml::parse_error& err) {
      return r.bad("profile", fmt::format("model.toml text ({})", err.description()));
    }
  }
  return e;
}

}  // namespace

std::string CatalogueEntry::repo_path(const CatalogueFile& f) const {
  return subfolder.empty() ? f.path : subfolder + "/" + f.path;
}

const CatalogueEntry* Catalogue::find(std::string_view name) const {
  for (const auto& e : entries) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

const std::vector<std::string>& Catalogue::defaults_of(std::string_view stage) const {
  static const std::vector<std::string> kNone;
  auto it = defaults.find(std::string(stage));
  return it == defaults.end() ? kNone : it->second;
}

std::string Catalogue::names() const {
  std::string out;
  for (const auto& e : entries) out += (out.empty() ? "" : ", ") + e.name;
  return out;
}

Result<Catalogue> parse_catalogue(std::string_view text, const fs::path& origin) {
  toml::table root;
  try {
    root = toml::parse(text, origin.string());
  } catch (const toml::parse_error& e) {
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("bad model catalogue: {} (line {})", e.description(), e.source().begin.line), origin};
  }
  Catalogue c;
  // toml++ orders a table's keys; people read the catalogue in the file's order.
  std::vector<std::pair<std::string_view, const toml::node*>> in_order;
  for (const auto& [key, node] : root) in_order.emplace_back(key.str(), &node);
  std::stable_sort(in_order.begin(), in_order.end(), [](const auto& a, const auto& b) {
    return a.second->source().begin.line < b.second->source().begin.line;
  });
  for (const auto& [key_text, node_ptr] : in_order) {
    const std::string_view key = key_text;
    const toml::node& node = *node_ptr;
    if (key == "defaults") continue;
    const toml::table* t = node.as_table();
    if (!t) return Error{ErrorCode::kInvalidInput, fmt::format("'{}' must be a table: [{}]", key, key), origin};
    auto e = read_entry(key, *t, origin);
    if (!e) return e.error();
    c.entries.push_back(std::move(*e));
  }
  if (const toml::table* d = root["defaults"].as_table()) {
    for (const auto& [stage, node] : *d) {
      if (std::find(std::begin(kModelStages), std::end(kModelStages), stage.str()) == std::end(kModelStages)) {
        return Error{ErrorCode::kInvalidInput,
                     fmt::format("[defaults] has '{}'; the stages are tagger, detectors, segmenter, nsfw", stage.str()),
                     origin};
      }
      std::vector<std::string> names;
      if (auto s = node.value<std::string>()) {
        names.push_back(*s);
      } else if (const toml::array* arr = node.as_array()) {
        for (const toml::node& n : *arr) names.push_back(n.value_or(std::string()));
      }
      for (const std::string& n : names) {
        if (!c.find(n)) {
          return Error{ErrorCode::kInvalidInput,
                       fmt::format("[defaults] {} names '{}', which the catalogue does not have", stage.str(), n), origin};
        }
      }
      c.defaults[std::string(stage.str())] = std::move(names);
    }
  }
  return c;
}

Result<Catalogue> load_catalogue(const fs::path& data_dir) {
  fs::path file;
  if (const char* env = std::getenv("TAGFORGE_MODEL_CATALOGUE"); env && *env) file = env;
  else file = find_data_dir(data_dir) / "models.toml";
  auto text = read_whole_file(file, "model catalogue");
  if (!text) return text.error();
  return parse_catalogue(*text, file);
}

fs::path bundled_models_dir() {
  if (const char* env = std::getenv("TAGFORGE_MODELS_DIR"); env && *env) return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "tagforge" / "models";
    if (fs::is_directory(installed, ec)) return installed;
  }
  return TAGFORGE_SOURCE_MODELS_DIR;
}

}  // namespace tagforge
