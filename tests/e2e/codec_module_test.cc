// End-to-end: the codec module (src/media/codec_module.h) is loaded only by
// what decodes, and a missing or foreign module stops the program with a
// message that names it.
#include <gtest/gtest.h>

#include "media_fixtures.h"
#include "run_cli.h"

namespace tagforge::e2e {
namespace {

namespace fs = std::filesystem;

TEST(CodecModule, CommandsThatDoNotDecodeNeverLoadIt) {
  const CliResult r = run_cli({"models", "list"}, {"TAGFORGE_CODECS_MODULE=/nonexistent/libtagforge_codecs.so"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("wd-vit-tagger-v3"), std::string::npos) << r.out;
}

TEST(CodecModule, AMissingModuleStopsTheRunAndSaysWhere) {
  const fs::path dir = fresh_dir("codec-module-missing");
  tagforge::testing::write_file(dir / "clip.gif", tagforge::testing::gif_bytes(3));
  const CliResult r = run_cli({"extract", (dir / "clip.gif").string(), "--out", (dir / "out").string()},
                              {"TAGFORGE_CODECS_MODULE=/nonexistent/libtagforge_codecs.so"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("cannot load the image and video codecs from /nonexistent/libtagforge_codecs.so"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("scripts/setup.sh"), std::string::npos) << r.err;
}

TEST(CodecModule, ALibraryThatIsNotTheModuleIsRefused) {
  const fs::path dir = fresh_dir("codec-module-foreign");
  tagforge::testing::write_file(dir / "clip.gif", tagforge::testing::gif_bytes(3));
  // No slash: dlopen finds the C library's libm on the loader's own path.
  const CliResult r = run_cli({"extract", (dir / "clip.gif").string(), "--out", (dir / "out").string()},
                              {"TAGFORGE_CODECS_MODULE=libm.so.6"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("not a tagforge codec module"), std::string::npos) << r.err;
}

TEST(CodecModule, TheModuleBesideTheBinaryDecodes) {
  const fs::path dir = fresh_dir("codec-module-present");
  tagforge::testing::write_file(dir / "clip.gif", tagforge::testing::gif_bytes(3));
  // The GIF's frames are 1x1 and black, which the frame gate would prune as too dark: off.
  const CliResult r = run_cli(
      {"extract", (dir / "clip.gif").string(), "--out", (dir / "out").string(), "--frame-gate=false"},
      {"TAGFORGE_CODECS_MODULE="});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  size_t frames = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir / "out")) frames += e.path().extension() == ".png";
  EXPECT_GE(frames, 1u);
}

}  // namespace
}  // namespace tagforge::e2e
