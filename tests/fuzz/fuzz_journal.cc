// Fuzz target: the journal reader must reject or read any bytes, never crash.
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/journal.h"
#include "media_fixtures.h"

namespace fs = std::filesystem;

static fs::path scratch() {
  static fs::path p = fs::temp_directory_path() / ("tagforge-fuzz-journal-" + std::to_string(::getpid()) + ".tfj");
  return p;
}

std::vector<std::string> fuzz_seeds() {
  fs::remove(scratch());
  {
    auto w = tagforge::JournalWriter::create(scratch());
    w->add_header(tagforge::JournalHeader{});
    w->add_mkdir("images_1");
    w->add_move({tagforge::JournalOp::kMove, false, "a.png", "images_1/a.png"});
    w->add_plan_end(1);
    w->add_rmdir({"sub", 0755});
    w->add_end();
    (void)w->sync();
  }
  std::string seed = tagforge::testing::read_file(scratch());
  fs::remove(scratch());
  return {seed};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tagforge::testing::write_file(scratch(), std::string(reinterpret_cast<const char*>(data), size));
  auto c = tagforge::read_journal(scratch());
  if (c.ok()) {
    // Whatever was read must survive reopening and appending.
    auto w = tagforge::JournalWriter::reopen(scratch());
    if (w.ok()) {
      w->add_end();
      (void)w->sync();
    }
  }
  return 0;
}
