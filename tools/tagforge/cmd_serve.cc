// `tagforge serve DIR`: the review page over a run's output (src/web/).
// Prints the page's address (with its access token off loopback) on stdout,
// then serves until interrupted (SIGINT, SIGTERM).
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "commands.h"
#include "web/review_server.h"
#include "web/review_store.h"

namespace tagforge::cli {
namespace {

constexpr const char* kCommand = "tagforge serve";

struct Args {
  std::string dir, host = "127.0.0.1", data;
  int port = 8787;
};

int run(const Args& a) {
  const auto start = std::chrono::steady_clock::now();
  // Blocked before any thread starts, so that every thread leaves them to sigwait below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto store = ReviewStore::open(a.dir, a.data);
  if (!store) {
    std::fprintf(stderr, "%s: %s\n", kCommand, store.error().to_string().c_str());
    return kExitFatal;
  }
  ServeOptions options;
  options.host = a.host;
  options.port = a.port;
  auto server = ReviewServer::bind(**store, options);
  if (!server) {
    std::fprintf(stderr, "%s: %s\n", kCommand, server.error().to_string().c_str());
    return kExitFatal;
  }
  std::printf("%s: open %s\n", kCommand, (*server)->url().c_str());
  if (!(*server)->access_token().empty()) {
    std::printf("  not a loopback address: every request needs the access token above (anyone with it can edit)\n");
  }
  std::fflush(stdout);
  std::thread serving([&] { (*server)->serve(); });
  if (Status st = (*store)->index_status(); !st.ok()) {
    std::fprintf(stderr, "%s: %s\n", kCommand, st.error().to_string().c_str());
  } else {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s: %zu images and frames, indexed %.2f s after the start\n", kCommand, (*store)->index().size(),
                seconds);
    std::fflush(stdout);
  }
  int signal = 0;
  sigwait(&stop_signals, &signal);
  (*server)->stop();
  serving.join();
  return kExitOk;
}

}  // namespace

Runner add_serve_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("serve", "Review page over a run's output: filter, edit captions and tags, approve");
  auto a = std::make_shared<Args>();
  cmd->add_option("DIR", a->dir, "A `tagforge run` output folder")->required();
  cmd->add_option("--host", a->host, "Address to listen on; anything but loopback requires a printed token")
      ->capture_default_str();
  cmd->add_option("--port", a->port, "Port; 0 takes any free one")->capture_default_str()->check(CLI::Range(0, 65535));
  cmd->add_option("--data", a->data, "Data folder with danbooru_tags.csv, tag_rules.toml, lexicon.txt");
  return [a] { return run(*a); };
}

}  // namespace tagforge::cli
