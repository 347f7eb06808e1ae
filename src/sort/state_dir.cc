#include "sort/state_dir.h"

#include <fcntl.h>
#include <sys/file.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "scan/walk.h"

namespace tagforge {
namespace {

// "sort-000012.tfj" -> 12; 0 when the name is not a journal's.
uint64_t journal_number(const std::string& name) {
  unsigned long long n = 0;
  char tail[8] = {0};
  if (std::sscanf(name.c_str(), "sort-%llu.%4s", &n, tail) == 2 && std::string(tail) == "tfj") return n;
  return 0;
}

}  // namespace

std::filesystem::path journals_dir(const std::filesystem::path& root) { return root / kStateDirName / "journals"; }

std::vector<std::filesystem::path> list_journals(const std::filesystem::path& root) {
  std::vector<std::pair<uint64_t, std::filesystem::path>> found;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(journals_dir(root), ec)) {
    if (uint64_t n = journal_number(e.path().filename().string())) found.emplace_back(n, e.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::filesystem::path> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

std::filesystem::path next_journal_path(const std::filesystem::path& root) {
  uint64_t next = 1;
  auto all = list_journals(root);
  if (!all.empty()) next = journal_number(all.back().filename().string()) + 1;
  char name[40];
  std::snprintf(name, sizeof name, "sort-%06llu.tfj", static_cast<unsigned long long>(next));
  return journals_dir(root) / name;
}

Result<UniqueFd> lock_state_dir(const std::filesystem::path& root) {
  TF_RETURN_IF_ERROR(make_directories(journals_dir(root)));
  const auto path = root / kStateDirName / "lock";
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) return Error::from_errno(errno, "cannot open lock file", path);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Error{ErrorCode::kBusy, "another tagforge sort or undo is running on this folder", root};
    }
    return Error::from_errno(errno, "cannot lock", path);
  }
  return fd;
}

}  // namespace tagforge
