// Fuzz target: the model catalogue (a user may point TAGFORGE_MODEL_CATALOGUE
// at their own), the lock file (a file on disk, shared between machines), and
// a model profile the catalogue carries. Whatever parses must keep its
// promises: names without path separators, repository files without "..",
// a lock that writes back and reads the same.
#include <cstdlib>
#include <string>
#include <vector>

#include "infer/model_profile.h"
#include "models/catalogue.h"
#include "models/lock_file.h"

std::vector<std::string> fuzz_seeds() {
  return {
      "[defaults]\ntagger = \"t\"\ndetectors = [\"t\"]\n[t]\nkind = \"wd-v3\"\nrepo = \"o/t\"\nrevision = \"main\"\n"
      "subfolder = \"s\"\nfiles = [\"model.onnx\", {path = \"selected_tags.csv\", sha256 = \"" +
          std::string(64, 'a') + "\"}]\nlicence = \"mit\"\nsize = \"1 MB\"\n",
      "[b]\nkind = \"isnet\"\nbundled = \"bee\"\nfetch = \"x.sh\"\nprofile = '''\nkind = \"isnet\"\nsize = 1024\n'''\n",
      "[wd]\nrepo = \"a/b\"\nrevision = \"main\"\ncommit = \"" + std::string(40, 'c') +
          "\"\nfiles = [{path = \"model.onnx\", sha256 = \"" + std::string(64, 'd') + "\", size = 12}]\n",
  };
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tagforge;
  const std::string_view s(reinterpret_cast<const char*>(data), size);
  if (auto c = parse_catalogue(s, "fuzz.toml"); c.ok()) {
    for (const CatalogueEntry& e : c->entries) {
      if (e.name.find('/') != std::string::npos || e.name == "none") std::abort();
      for (const CatalogueFile& f : e.files) {
        const std::string p = e.repo_path(f);
        if (p.empty() || p.front() == '/' || p.find("..") != std::string::npos) std::abort();
      }
      if (e.from_hub() && e.repo.find('/') == std::string::npos) std::abort();
      for (const auto& [stage, names] : c->defaults) {
        for (const std::string& n : names) {
          if (!c->find(n)) std::abort();
        }
      }
    }
  }
  if (auto lock = parse_model_lock(s, "fuzz.lock"); lock.ok()) {
    const std::string once = format_model_lock(*lock);
    auto again = parse_model_lock(once, "fuzz.lock");
    if (!again.ok() || format_model_lock(*again) != once) std::abort();
  }
  (void)read_model_profile(std::filesystem::temp_directory_path(), s, "fuzz profile");  // parsed, then its model looked for
  return 0;
}
