// A crash switch for tests. When TAGFORGE_TEST_CRASH_AFTER=N is set in the
// environment, the Nth call of crash_point() kills the process with SIGKILL,
// exactly as `kill -9` would at that instant. Unset, it costs one branch.
// Every journaled file operation calls it before and after acting, so a loop
// over N visits every instant of a sort or an undo.
#pragma once

namespace tagforge {

void crash_point();

}  // namespace tagforge
