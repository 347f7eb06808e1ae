#include "test_clips.h"

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "media_fixtures.h"

namespace tagforge::testing {

void make_test_clips(const std::filesystem::path& out) {
  const std::string cmd = std::string("/usr/bin/python3 '") + TAGFORGE_SOURCE_DIR +
                          "/tests/reference/make_clips.py' '" + out.string() + "'";
  if (std::system(cmd.c_str()) != 0) {
    throw std::runtime_error("cannot make the test clips (ffmpeg and python3-pil are needed; scripts/setup.sh "
                             "installs them): " + cmd);
  }
}

const std::filesystem::path& test_clips_dir() {
  static const std::filesystem::path dir = [] {
    auto d = fresh_temp_dir("test-clips");
    make_test_clips(d);
    return d;
  }();
  return dir;
}

}  // namespace tagforge::testing
