#include "core/fault_injection.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

namespace tagforge {
namespace {

long crash_after() {
  static const long value = [] {
    const char* env = std::getenv("TAGFORGE_TEST_CRASH_AFTER");
    return env ? std::atol(env) : 0L;
  }();
  return value;
}

std::atomic<long> g_points{0};

}  // namespace

void crash_point() {
  const long limit = crash_after();
  if (limit <= 0) return;
  if (g_points.fetch_add(1) + 1 >= limit) kill(getpid(), SIGKILL);
}

}  // namespace tagforge
