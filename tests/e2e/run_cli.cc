#include "run_cli.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "media_fixtures.h"

extern char** environ;

namespace tagforge::e2e {
namespace fs = std::filesystem;

namespace {

std::string drain(int fd) {
  std::string s;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
  return s;
}

std::vector<char*> argv_of(std::vector<std::string>& all) {
  std::vector<char*> v;
  for (auto& s : all) v.push_back(s.data());
  v.push_back(nullptr);
  return v;
}

// The environment every run starts from: no hub cache, lock file or bundled
// models of this machine's, and never the network, so a run uses the models
// its test names and nothing a developer happens to have installed. A test
// that wants a mirror or the bundled models passes its own values.
std::vector<std::string> hermetic_model_env() {
  static const fs::path home = testing::fresh_temp_dir("e2e-models-home");
  return {"HF_HOME=" + (home / "hf").string(),
          "HF_HUB_CACHE=",
          "HF_HUB_OFFLINE=1",
          "HF_TOKEN=",
          "HF_ENDPOINT=http://127.0.0.1:9",
          "TAGFORGE_MODELS_LOCK=" + (home / "models.lock").string(),
          "TAGFORGE_MODELS_DIR=" + (home / "no_bundled_models").string(),
          "TAGFORGE_MODEL_CATALOGUE="};
}

// The process's environment with `env`'s entries in place of those of the
// same name (getenv finds the first).
std::vector<std::string> environment_with(const std::vector<std::string>& env) {
  std::vector<std::string> all = hermetic_model_env();
  all.insert(all.end(), env.begin(), env.end());
  std::vector<std::string> envs;
  auto key_of = [](std::string_view entry) { return entry.substr(0, entry.find('=') + 1); };
  auto overridden = [&](std::string_view entry) {
    return std::any_of(all.begin(), all.end(), [&](const std::string& s) { return s.rfind(key_of(entry), 0) == 0; });
  };
  for (char** e = environ; *e; ++e) {
    if (!overridden(*e)) envs.emplace_back(*e);
  }
  // Later entries win over earlier ones of the same name.
  for (size_t i = 0; i < all.size(); ++i) {
    const bool later = std::any_of(all.begin() + long(i) + 1, all.end(),
                                   [&](const std::string& s) { return s.rfind(key_of(all[i]), 0) == 0; });
    if (!later) envs.push_back(all[i]);
  }
  return envs;
}

}  // namespace

CliResult run_cli(const std::vector<std::string>& args, const std::vector<std::string>& env, int as_user,
                  std::string_view input) {
  std::vector<std::string> all{TAGFORGE_BIN};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<std::string> envs = environment_with(env);
  auto argv = argv_of(all);
  auto envp = argv_of(envs);
  // Output goes to temp files: a pipe could fill while we wait.
  FILE* out = std::tmpfile();
  FILE* err = std::tmpfile();
  FILE* in = std::tmpfile();
  std::fwrite(input.data(), 1, input.size(), in);
  std::fflush(in);
  std::rewind(in);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(::fileno(in), 0);
    ::dup2(::fileno(out), 1);
    ::dup2(::fileno(err), 2);
    if (as_user >= 0) {
      ::setgroups(0, nullptr);
      if (::setgid(as_user) != 0 || ::setuid(as_user) != 0) ::_exit(127);
    }
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  std::rewind(out);
  std::rewind(err);
  r.out = drain(::fileno(out));
  r.err = drain(::fileno(err));
  std::fclose(out);
  std::fclose(err);
  std::fclose(in);
  return r;
}

std::vector<nlohmann::ordered_json> json_lines(const std::string& out) {
  std::vector<nlohmann::ordered_json> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::ordered_json::parse(line));
  return lines;
}

pid_t spawn_cli(const std::vector<std::string>& args) {
  std::vector<std::string> all{TAGFORGE_BIN};
  all.insert(all.end(), args.begin(), args.end());
  auto argv = argv_of(all);
  std::vector<std::string> envs = environment_with({});
  auto envp = argv_of(envs);
  pid_t pid = ::fork();
  if (pid == 0) {
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> m;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    if (it->path().filename() == ".tagforge") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(  ) && !it->is_symlink()) {
      m[it->path().lexically_relative(root).native()] = testing::read_file(it->path());
    }
  }
  return m;
}

std::vector<std::string> dir_list(const fs::path& root) {
  std::vector<std::string> v;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    if (it->path().filename() == ".tagforge") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory() && !it->is_symlink()) v.push_back(it->path().lexically_relative(root).native());
  }
  std::sort(v.begin(), v.end());
  return v;
}

fs::path fresh_dir(const std::string& name) { return testing::fresh_temp_dir("e2e-" + name); }

}  // namespace tagforge::e2e
