#include "test_models.h"

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "media_fixtures.h"

namespace tagforge::testing {

void make_test_models(const std::filesystem::path& out, bool bench) {
  const std::string cmd = std::string("/usr/bin/python3 '") + TAGFORGE_SOURCE_DIR + "/tests/models/make_test_models.py' '" +
                          out.string() + "'" + (bench ? " --bench" : "");
  if (std::system(cmd.c_str()) != 0) {
    throw std::runtime_error("cannot generate the test models (python3-onnx and python3-numpy are needed; "
                             "scripts/setup.sh installs them): " + cmd);
  }
}

const std::filesystem::path& test_models_dir() {
  static const std::filesystem::path dir = [] {
    auto d = fresh_temp_dir("test-models");
    make_test_models(d);
    return d;
  }();
  return dir;
}

}  // namespace tagforge::testing
