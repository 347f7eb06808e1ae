// Running the tagforge binary from tests, and snapshotting trees.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tagforge::e2e {

struct CliResult {
  int exit_code = -1;  // -signal when killed
  std::string out;
  std::string err;
};

// Runs TAGFORGE_BIN with `args` in this process's environment, made
// hermetic for models (no hub cache, lock or bundled models of the machine's;
// HF_HUB_OFFLINE=1), then `env`'s entries ("K=V") in place of any of the
// same name; `as_user` >= 0 drops to that uid/gid first; `input` is what
// it reads on stdin (nothing by default).
CliResult run_cli(const std::vector<std::string>& args, const std::vector<std::string>& env = {}, int as_user = -1,
                  std::string_view input = {});

// Each line of a --json output (one object a line), parsed.
std::vector<nlohmann::ordered_json> json_lines(const std::string& out);

// Starts it without waiting; stdout/stderr go to /dev/null.
pid_t spawn_cli(const std::vector<std::string>& args);

// Every regular file under root (not .tagforge) -> its bytes.
std::map<std::string, std::string> snapshot(const std::filesystem::path& root);
// Every directory under root (not .tagforge), relative.
std::vector<std::string> dir_list(const std::filesystem::path& root);

std::filesystem::path fresh_dir(const std::string& name);

}  // namespace tagforge::e2e
