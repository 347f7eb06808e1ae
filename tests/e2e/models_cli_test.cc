// End-to-end: `tagforge tag` and `tagforge detect` on real images (the
// renpy-thequestion sprites) with the generated test models.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>


#include "media_fixtures.h"
#include "run_cli.h"
#include "test_models.h"

namespace tagforge::e2e {
namespace {

namespace fs = std::filesystem;
using tagforge::testing::read_file;
using tagforge::testing::test_models_dir;
using tagforge::testing::write_file;

const fs::path kMedia = TAGFORGE_TEST_MEDIA_DIR;
// The models scripts/fetch_isnet.sh and fetch_nsfw.sh made: the defaults of
// `segment` and `classify` (ctest points TAGFORGE_MODELS_DIR elsewhere).
const std::vector<std::string> kBundled = {"TAGFORGE_MODELS_DIR=" TAGFORGE_BUNDLED_MODELS_DIR};

// Two sprites (RGBA, 334x700) and a background (JPEG, 1280x720) in a fresh folder.
fs::path image_folder(const std::string& name) {
  auto root = fresh_dir(name);
  fs::copy_file(kMedia / "sylvie blue smile.png", root / "blue.png");
  fs::copy_file(kMedia / "sylvie green normal.png", root / "green.png");
  fs::create_directories(root / "sub");
  fs::copy_file(kMedia / "bg uni.jpg", root / "sub" / "uni.jpg");
  return root;
}

TEST(TagCli, TagsAFolderMergingExistingSidecarsAndPrintsJson) {
  ASSERT_TRUE(fs::exists(kMedia / "sylvie blue smile.png")) << "run scripts/fetch_test_media.sh";
  auto root = image_folder("tagcli");
  write_file(root / "blue.txt", "1girl, solo, smile");
  const std::string model = (test_models_dir() / "wd_v3").string();

  CliResult r = run_cli({"tag", root.string(), "--model", model, "--json", "--batch", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 3u);
  // Folder order: blue.png, green.png, sub/uni.jpg; the keys in the documented order.
  EXPECT_EQ(lines[0]["path"], (root / "blue.png").string());
  EXPECT_EQ(lines[2]["path"], (root / "sub" / "uni.jpg").string());
  std::vector<std::string> keys;
  for (auto it = lines[0].begin(); it != lines[0].end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"path", "rating", "general", "character"}));
  EXPECT_EQ(lines[0]["rating"].size(), 4u);
  EXPECT_NEAR(lines[0]["rating"]["general"].get<double>(), 0.8808, 1e-4);  // sigmoid(2): no pixel weight
  EXPECT_EQ(lines[0]["general"]["simple_background"], 0.5);
  // The sprites stand on white after compositing: white_background, which the dark background lacks.
  EXPECT_TRUE(lines[0]["general"].contains("white_background")) << lines[0].dump();
  EXPECT_FALSE(lines[2]["general"].contains("white_background")) << lines[2].dump();

  // The existing tags stay first; the tagger's are added after them, each once.
  const std::string blue = read_file(root / "blue.txt");
  EXPECT_EQ(blue.rfind("1girl, solo, smile, ", 0), 0u) << blue;
  EXPECT_NE(blue.find("white_background"), std::string::npos) << blue;
  const std::string green = read_file(root / "green.txt");
  EXPECT_NE(green.find("simple_background"), std::string::npos) << green;
  EXPECT_TRUE(fs::exists(root / "sub" / "uni.txt"));

  // A second run changes nothing.
  auto before = snapshot(root);
  CliResult again = run_cli({"tag", root.string(), "--model", model, "-q"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(snapshot(root), before);
}

TEST(TagCli, ABadImageIsNamedAndTheRestAreTagged) {
  auto root = image_folder("tagcli-bad");
  write_file(root / "junk.png", "not a png");
  write_file(root / "green.txt", "A long caption about a girl with green hair standing in front of a wall.");
  CliResult r = run_cli({"tag", (root / "junk.png").string(), (root / "blue.png").string(), (root / "green.png").string(),
                         "--model", (test_models_dir() / "joytag").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("junk.png: not an image"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("green.txt: holds a caption"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(root / "blue.txt"));
  EXPECT_EQ(read_file(root / "green.txt"), "A long caption about a girl with green hair standing in front of a wall.");
  EXPECT_NE(r.err.find("1 images tagged"), std::string::npos) << r.err;
}

TEST(TagCli, WrongModelsAndMissingCudaAreClearErrors) {
  auto root = image_folder("tagcli-models");
  CliResult det = run_cli({"tag", root.string(), "--model", (test_models_dir() / "detector").string()});
  EXPECT_EQ(det.exit_code, 2);
  EXPECT_NE(det.err.find("a detector, not a tagger"), std::string::npos) << det.err;
  CliResult none = run_cli({"tag", root.string(), "--model", root.string()});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("no model.onnx"), std::string::npos) << none.err;
  CliResult cuda = run_cli({"tag", root.string(), "--model", (test_models_dir() / "wd_v3").string(), "--cuda"});
  EXPECT_EQ(cuda.exit_code, 2);
  EXPECT_NE(cuda.err.find("CUDA"), std::string::npos) << cuda.err;
  EXPECT_FALSE(fs::exists(root / "blue.txt"));
}

TEST(DetectCli, WritesAsegFilesMasksAndJson) {
  auto root = image_folder("detectcli");
  const fs::path masks = root.parent_path() / "detectcli-masks";
  fs::remove_all(masks);
  CliResult r = run_cli({"detect", root.string(), "--model", (test_models_dir() / "detector").string(), "--json",
                         "--masks", masks.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 3u);
  const auto& blue = lines[0]["detections"];
  ASSERT_EQ(blue.size(), 3u);
  EXPECT_EQ(blue[0]["label"], "person");
  EXPECT_EQ(blue[0]["score"], 0.9);
  // 334x700: the person box is (0.5 -+ 0.4) * 334, (0.5 -+ 0.45) * 700, rounded.
  EXPECT_EQ(blue[0]["box"], nlohmann::ordered_json({33, 35, 301, 665}));
  EXPECT_EQ(blue[1]["label"], "face");

  const std::string aseg = read_file(root / "blue.aseg");
  EXPECT_EQ(aseg.rfind("tagforge-aseg 1\nimage\t334\t700\n", 0), 0u) << aseg;
  EXPECT_NE(aseg.find("1\tdetector\tface\t0.85\t134\t88\t200\t193\t"), std::string::npos) << aseg;
  EXPECT_NE(aseg.find("\t0\n"), std::string::npos);  // the face belongs to person 0
  EXPECT_TRUE(fs::exists(root / "sub" / "uni.aseg"));
  EXPECT_TRUE(fs::exists(masks / "blue.face.png"));
  EXPECT_TRUE(fs::exists(masks / "uni.person.png"));

  // `scan` counts the .aseg files as sidecars, and `sort` would carry them.
  CliResult scan = run_cli({"scan", root.string(), "--json"});
  ASSERT_EQ(scan.exit_code, 0) << scan.err;
  EXPECT_EQ(nlohmann::json::parse(scan.out)["sidecars"]["aseg"], 3);
  EXPECT_EQ(nlohmann::json::parse(scan.out)["unknown"], 0);

  CliResult tagger = run_cli({"detect", root.string(), "--model", (test_models_dir() / "wd_v3").string()});
  EXPECT_EQ(tagger.exit_code, 2);
  EXPECT_NE(tagger.err.find("a wd-v3 model, not a detector"), std::string::npos) << tagger.err;
}

TEST(SegmentCli, WritesMasksBesideImagesAndNotesThemInTheAseg) {
  auto root = fresh_dir("segmentcli");
  fs::copy_file(kMedia / "sylvie blue smile.png", root / "blue.png");  // RGBA: the segmenter ignores alpha
  write_file(root / "broken.png", "not a png");
  CliResult det = run_cli({"detect", root.string(), "--model", (test_models_dir() / "detector").string(), "-q"});
  ASSERT_EQ(det.exit_code, 0) << det.err;
  CliResult r = run_cli({"segment", root.string(), "--json"}, kBundled);
  ASSERT_EQ(r.exit_code, 0) << r.err;  // the broken file is broken to the scan: not listed
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["mask"], (root / "blue.mask.png").string());
  EXPECT_GT(lines[0]["area"].get<double>(), 0.3);
  EXPECT_TRUE(fs::exists(root / "blue.mask.png"));
  const std::string aseg = read_file(root / "blue.aseg");
  EXPECT_NE(aseg.find("\nmask\tisnet-imgly\tsubject\t"), std::string::npos) << aseg;
  EXPECT_NE(aseg.find("\tblue.mask.png\n"), std::string::npos) << aseg;
  EXPECT_NE(aseg.find("\tdetector\tperson\t"), std::string::npos) << aseg;  // the detections stay

  // Again: the mask line is replaced, not repeated.
  ASSERT_EQ(run_cli({"segment", root.string(), "-q"}, kBundled).exit_code, 0);
  const std::string again = read_file(root / "blue.aseg");
  EXPECT_EQ(again.find("\nmask\t"), again.rfind("\nmask\t"));

  // The mask and the .aseg are sidecars of blue.png, not images.
  CliResult scan = run_cli({"scan", root.string(), "--json"});
  const auto j = nlohmann::json::parse(scan.out);
  EXPECT_EQ(j["images"], 1);
  EXPECT_EQ(j["sidecars"]["masks"], 1);
  EXPECT_EQ(j["sidecars"]["aseg"], 1);

  CliResult named = run_cli({"segment", (root / "broken.png").string()}, kBundled);
  EXPECT_EQ(named.exit_code, 1);
  EXPECT_NE(named.err.find("broken.png"), std::string::npos) << named.err;
  CliResult wrong = run_cli({"segment", root.string(), "--model", (test_models_dir() / "wd_v3").string()});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("not a segmenter"), std::string::npos) << wrong.err;
}

TEST(CheckCli, HairColourAndCountAgainstThePixels) {
  auto root = fresh_dir("checkcli");
  fs::copy_file(kMedia / "sylvie blue smile.png", root / "a.png");  // light brown hair
  fs::copy_file(kMedia / "sylvie blue normal.png", root / "b.png");
  write_file(root / "a.txt", "1girl, solo, green_hair, long_hair");
  write_file(root / "b.txt", "1girl, solo, aqua_hair");
  CliResult missing = run_cli({"check", root.string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no .aseg beside the image"), std::string::npos) << missing.err;

  ASSERT_EQ(run_cli({"detect", root.string(), "--model", (test_models_dir() / "detector").string(), "-q"}).exit_code, 0);
  ASSERT_EQ(run_cli({"segment", root.string(), "-q"}, kBundled).exit_code, 0);
  CliResult r = run_cli({"check", (root / "a.png").string(), "--fix", "replace", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["hair"]["colour"], "brown");
  EXPECT_EQ(lines[0]["hair"]["region"], "top of the subject");
  ASSERT_EQ(lines[0]["checks"].size(), 2u);
  EXPECT_EQ(lines[0]["checks"][0]["verdict"], "contradicts");
  EXPECT_EQ(lines[0]["checks"][0]["action"], "replaced by brown_hair");
  EXPECT_EQ(lines[0]["checks"][1]["what"], "count");
  EXPECT_EQ(lines[0]["checks"][1]["verdict"], "agrees");  // solo, one person detected
  EXPECT_EQ(read_file(root / "a.txt"), "1girl, solo, brown_hair, long_hair");
  EXPECT_NE(read_file(root / "a.aseg").find("check\thair_colour\tgreen_hair\tbrown (L "), std::string::npos);

  CliResult flag = run_cli({"check", (root / "b.png").string(), "-q"});  // --fix flag is the default
  ASSERT_EQ(flag.exit_code, 0) << flag.err;
  EXPECT_EQ(read_file(root / "b.txt"), "1girl, solo, aqua_hair, needs_review");
  CliResult scan = run_cli({"scan", root.string(), "--json"});
  EXPECT_EQ(nlohmann::json::parse(scan.out)["images"], 2);
}

TEST(ClassifyCli, PrintsNsfwScoresPerImage) {
  auto root = image_folder("classifycli");
  CliResult r = run_cli({"classify", root.string(), "--json"}, kBundled);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 3u);
  std::vector<std::string> keys;
  for (auto it = lines[0]["classes"].begin(); it != lines[0]["classes"].end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"drawing", "hentai", "neutral", "porn", "sexy"}));
  EXPECT_GT(lines[0]["classes"]["drawing"].get<double>(), 0.9);  // an anime sprite
  EXPECT_LT(lines[0]["nsfw"].get<double>(), 0.1);
  EXPECT_NE(r.err.find("3 images, 0 at nsfw >= 0.50"), std::string::npos) << r.err;
  CliResult wrong = run_cli({"classify", root.string(), "--model", (test_models_dir() / "detector").string()});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("not an NSFW classifier"), std::string::npos) << wrong.err;
}

}  // namespace
}  // namespace tagforge::e2e
