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

// Kills a sort at crash point 1, 2, … until one runs through. After each
// kill: a re-run of sort must give the clean result (and, when
// `undo_after_resort`, one undo must then give back the original tree), or
// an undo must give back the original tree. Returns the first point passed.
int kill_at_every_point(const std::vector<std::string>& sort_args, bool undo_after_resort) {
  auto ref_dir = fresh_dir("crash-ref");
  testing::write_example_tree(ref_dir, 1, true);
  const Snapshot before = snapshot(ref_dir);
  auto with_dir = [&](const fs::path& d) {
    std::vector<std::string> args{"sort", d.string()};
    args.insert(args.end(), sort_args.begin(), sort_args.end());
    return args;
  };
  EXPECT_EQ(run_cli(with_dir(ref_dir)).exit_code, 0);
  const Snapshot sorted = snapshot(ref_dir);
  auto dir = fresh_dir("crash");
  int completed_at = 0;
  for (int n = 1; n < 2000 && !completed_at; ++n) {
    for (bool finish_with_undo : {false, true}) {
      fs::remove_all(dir);
      testing::write_example_tree(dir, 1, true);
      CliResult killed = run_cli(with_dir(dir), {crash_env(n)});
      if (killed.exit_code == 0) {
        completed_at = n;  // past the last crash point: the sort finished
        EXPECT_EQ(snapshot(dir), sorted);
        break;
      }
      EXPECT_EQ(killed.exit_code, -SIGKILL) << "crash point " << n << ": " << killed.err;
      if (finish_with_undo) {
        CliResult u = run_cli({"undo", dir.string()});
        EXPECT_TRUE(u.exit_code == 0 || u.exit_code == 2) << "point " << n << ": " << u.err;
        EXPECT_EQ(snapshot(dir), before) << "undo after crash point " << n;
      } else {
        CliResult s = run_cli(with_dir(dir));
        EXPECT_EQ(s.exit_code, 0) << "point " << n << ": " << s.err;
        EXPECT_EQ(snapshot(dir), sorted) << "re-sort after crash point " << n;
        if (undo_after_resort) {
          // The re-run carried on in the interrupted journal: one undo is enough.
          EXPECT_EQ(run_cli({"undo", dir.string()}).exit_code, 0) << "point " << n;
          EXPECT_EQ(snapshot(dir), before) << "undo of the resumed sort, crash point " << n;
        }
      }
      if (::testing::Test::HasFailure()) return -n;
    }
  }
  fs::remove_all(dir);
  fs::remove_all(ref_dir);
  return completed_at;
}

TEST(Crash, KillAtEveryPointOfASortThenResumeOrUndo) {
  EXPECT_GT(kill_at_every_point({"--bucket-size", "5"}, false), 100) << "the sort should pass through many crash points";
}

TEST(Crash, KillAtEveryPointOfASortInSmallBatches) {
  // Batches of 4 moves: kills land between batches, while later ones are
  // still being planned.
  EXPECT_GT(kill_at_every_point({"--bucket-size", "5", "--journal-batch", "4"}, true), 120);
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
