// kill -9 at every instant of a sort (and of an undo), then recover: every
// file must end up present exactly once, either where a clean sort puts it
// (re-run sort) or exactly where it started (undo).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "media_fixtures.h"
#include "run_cli.h"

namespace tagforge::e2e {
namespace {

namespace fs = std::filesystem;
using Snapshot = std::map<std::string, std::string>;

std::string crash_env(int n) { return "TAGFORGE_TEST_CRASH_AFTER=" + std::to_string(n); }

struct Reference {
  Snapshot before;
  Snapshot sorted;
};

Reference reference(const fs::path& dir, int scale) {
  testing::write_example_tree(dir, scale, true);
  Reference ref;
  ref.before = snapshot(dir);
  EXPECT_EQ(run_cli({"sort", dir.string(), "--bucket-size", "5"}).exit_code, 0);
  ref.sorted = snapshot(dir);
  return ref;
}

TEST(Crash, KillAtEveryPointOfASortThenResumeOrUndo) {
  auto ref_dir = fresh_dir("crash-ref");
  const Reference ref = reference(ref_dir, 1);
  auto dir = fresh_dir("crash");
  int completed_at = 0;
  for (int n = 1; n < 1000 && !completed_at; ++n) {
    for (bool finish_with_undo : {false, true}) {
      fs::remove_all(dir);
      testing::write_example_tree(dir, 1, true);
      CliResult killed = run_cli({"sort", dir.string(), "--bucket-size", "5"}, {crash_env(n)});
      if (killed.exit_code == 0) {
        completed_at = n;  // past the last crash point: the sort finished
        EXPECT_EQ(snapshot(dir), ref.sorted);
        break;
      }
      ASSERT_EQ(killed.exit_code, -SIGKILL) << "crash point " << n << ": " << killed.err;
      if (finish_with_undo) {
        CliResult u = run_cli({"undo", dir.string()});
        ASSERT_TRUE(u.exit_code == 0 || u.exit_code == 2) << "point " << n << ": " << u.err;
        ASSERT_EQ(snapshot(dir), ref.before) << "undo after crash point " << n;
      } else {
        CliResult s = run_cli({"sort", dir.string(), "--bucket-size", "5"});
        ASSERT_EQ(s.exit_code, 0) << "point " << n << ": " << s.err;
        ASSERT_EQ(snapshot(dir), ref.sorted) << "re-sort after crash point " << n;
      }
    }
  }
  EXPECT_GT(completed_at, 100) << "the sort should pass through many crash points";
  fs::remove_all(dir);
  fs::remove_all(ref_dir);
}

TEST(Crash, KillAtEveryPointOfAnUndoThenUndoAgain) {
  auto dir = fresh_dir("crash-undo");
  int completed_at = 0;
  for (int n = 1; n < 1000 && !completed_at; ++n) {
    fs::remove_all(dir);
    testing::write_example_tree(dir, 1, true);
    const Snapshot before = snapshot(dir);
    ASSERT_EQ(run_cli({"sort", dir.string(), "--bucket-size", "5"}).exit_code, 0);
    CliResult killed = run_cli({"undo", dir.string()}, {crash_env(n)});
    if (killed.exit_code == 0) {
      completed_at = n;
    } else {
      ASSERT_EQ(killed.exit_code, -SIGKILL);
      // A sort now refuses (an undo is half done) rather than mixing the two.
      EXPECT_EQ(run_cli({"sort", dir.string()}).exit_code, 2);
      ASSERT_EQ(run_cli({"undo", dir.string()}).exit_code, 0) << "point " << n;
    }
    ASSERT_EQ(snapshot(dir), before) << "undo crash point " << n;
  }
  EXPECT_GT(completed_at, 50);
  fs::remove_all(dir);
}

TEST(Crash, RealKill9AtRandomMomentsOnABiggerTree) {
  auto ref_dir = fresh_dir("kill-ref");
  const Reference ref = reference(ref_dir, 60);  // ~1,500 files
  auto dir = fresh_dir("kill");
  std::mt19937 rng(42);
  int interrupted = 0;
  for (int round = 0; round < 16; ++round) {
    fs::remove_all(dir);
    testing::write_example_tree(dir, 60, true);
    pid_t pid = spawn_cli({"sort", dir.string(), "--bucket-size", "5", "--quiet"});
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 40000)(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) ++interrupted;
    if (round % 2) {
      CliResult u = run_cli({"undo", dir.string()});
      ASSERT_TRUE(u.exit_code == 0 || u.exit_code == 2) << u.err;
      ASSERT_EQ(snapshot(dir), ref.before) << "round " << round;
    } else {
      ASSERT_EQ(run_cli({"sort", dir.string(), "--bucket-size", "5"}).exit_code, 0);
      ASSERT_EQ(snapshot(dir), ref.sorted) << "round " << round;
    }
  }
  EXPECT_GT(interrupted, 0);
  fs::remove_all(dir);
  fs::remove_all(ref_dir);
}

}  // namespace
}  // namespace tagforge::e2e
