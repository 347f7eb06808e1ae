// ONNX Runtime sessions and model folders, on the tiny generated models
// (tests/models/make_test_models.py).
#include <gtest/gtest.h>

#include <cmath>

#include <fmt/format.h>

#include "infer/model_profile.h"
#include "infer/onnx_model.h"
#include "media_fixtures.h"
#include "test_models.h"

namespace tagforge {
namespace {

namespace fs = std::filesystem;

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

TEST(OnnxModel, LoadsDescribesAndRunsABatch) {
  auto model = OnnxModel::load(testing::test_models_dir() / "wd_v3" / "model.onnx", RuntimeOptions{1});
  ASSERT_TRUE(model.ok()) << model.error().to_string();
  const OnnxModel& m = **model;
  ASSERT_EQ(m.inputs().size(), 1u);
  EXPECT_EQ(m.inputs()[0].name, "input");
  EXPECT_EQ(m.inputs()[0].shape, (std::vector<int64_t>{-1, 448, 448, 3}));
  ASSERT_EQ(m.outputs().size(), 1u);
  EXPECT_EQ(m.outputs()[0].shape, (std::vector<int64_t>{-1, 11}));
  EXPECT_EQ(m.provider(), "CPUExecutionProvider");

  // Two images: all (B,G,R) = (0,0,255), then all white.
  const size_t n = 448 * 448 * 3;
  std::vector<float> batch(2 * n, 255.0f);
  for (size_t i = 0; i < n; i += 3) batch[i] = batch[i + 1] = 0;
  const int64_t shape[] = {2, 448, 448, 3};
  auto out = m.run(batch, shape);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  ASSERT_EQ(out->size(), 1u);
  const Tensor& t = (*out)[0];
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 11}));
  // Output 4 is red_theme = sigmoid(-4 B - 4 G + 8 R - 2) on the channel means / 255.
  EXPECT_NEAR(t.values[4], sigmoid(6.0f), 1e-5);
  EXPECT_NEAR(t.values[11 + 4], sigmoid(-2.0f), 1e-5);
  // Output 7 is white_background = sigmoid(4 (B + G + R) - 10).
  EXPECT_NEAR(t.values[7], sigmoid(-6.0f), 1e-5);
  EXPECT_NEAR(t.values[11 + 7], sigmoid(2.0f), 1e-5);
}

TEST(OnnxModel, ReadsCustomMetadata) {
  auto model = OnnxModel::load(testing::test_models_dir() / "detector" / "model.onnx", {});
  ASSERT_TRUE(model.ok()) << model.error().to_string();
  EXPECT_EQ((*model)->metadata("names"), "{0: 'person', 1: 'face', 2: 'hand'}");
  EXPECT_EQ((*model)->metadata("imgsz"), "[640, 640]");
  EXPECT_FALSE((*model)->metadata("nothing").has_value());
}

TEST(OnnxModel, ErrorsNameTheFile) {
  const auto dir = testing::fresh_temp_dir("onnx-errors");
  auto missing = OnnxModel::load(dir / "none.onnx", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().path, dir / "none.onnx");

  testing::write_file(dir / "junk.onnx", "this is not a protobuf");
  auto junk = OnnxModel::load(dir / "junk.onnx", {});
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(junk.error().path, dir / "junk.onnx");
  EXPECT_NE(junk.error().message.find("cannot load the model"), std::string::npos) << junk.error().message;

  // Wrong input shape at run time: an error, not a crash.
  auto model = OnnxModel::load(testing::test_models_dir() / "wd_v3" / "model.onnx", {});
  ASSERT_TRUE(model.ok());
  std::vector<float> small(10 * 10 * 3);
  const int64_t shape[] = {1, 10, 10, 3};
  auto run = (*model)->run(small, shape);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.error().message.find("inference failed"), std::string::npos);
  fs::remove_all(dir);
}

TEST(OnnxModel, CudaAskedOfACpuOnlyRuntimeIsAClearError) {
  const auto providers = available_execution_providers();
  ASSERT_FALSE(providers.empty());
  EXPECT_EQ(providers.back(), "CPUExecutionProvider");
  if (std::find(providers.begin(), providers.end(), "CUDAExecutionProvider") != providers.end()) {
    GTEST_SKIP() << "this ONNX Runtime has CUDA";
  }
  RuntimeOptions cuda;
  cuda.cuda = true;
  auto model = OnnxModel::load(testing::test_models_dir() / "wd_v3" / "model.onnx", cuda);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.error().message.find("no CUDA execution provider"), std::string::npos) << model.error().message;
  EXPECT_NE(model.error().message.find("CPUExecutionProvider"), std::string::npos);
}

TEST(OnnxModel, DevicesAreCpuCudaOrCudaN) {
  RuntimeOptions o;
  ASSERT_TRUE(set_device("cuda:3", o).ok());
  EXPECT_TRUE(o.cuda);
  EXPECT_EQ(o.cuda_device, 3);
  EXPECT_EQ(device_name(o), "cuda:3");
  ASSERT_TRUE(set_device("cuda", o).ok());
  EXPECT_EQ(device_name(o), "cuda:0");
  ASSERT_TRUE(set_device("cpu", o).ok());
  EXPECT_FALSE(o.cuda);
  EXPECT_EQ(device_name(o), "cpu");
  EXPECT_TRUE(check_device_present(o).ok());  // the CPU is always there
  for (const char* bad : {"gpu", "cuda:", "cuda:-1", "cuda:1x", "CUDA", "cuda:99999999999", ""}) {
    RuntimeOptions untouched;
    Status st = set_device(bad, untouched);
    ASSERT_FALSE(st.ok()) << bad;
    EXPECT_NE(st.error().message.find(fmt::format("not \"{}\"", bad)), std::string::npos) << st.error().message;
    EXPECT_FALSE(untouched.cuda) << bad;
  }
}

TEST(ModelSlot, LoadsOnFirstUseAndUnloadsWhileRunsKeepTheirModel) {
  ModelSlot slot(testing::test_models_dir() / "wd_v3" / "model.onnx", {});
  EXPECT_FALSE(slot.loaded());
  auto a = slot.get();
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(slot.loaded());
  auto b = slot.get();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->get(), b->get());  // one session shared
  slot.unload();
  EXPECT_FALSE(slot.loaded());
  // A worker that still holds the model can run it.
  std::vector<float> img(448 * 448 * 3, 128.0f);
  const int64_t shape[] = {1, 448, 448, 3};
  EXPECT_TRUE((*a)->run(img, shape).ok());
  auto c = slot.get();  // loads again
  ASSERT_TRUE(c.ok());
  EXPECT_NE(c->get(), a->get());

  ModelSlot broken("/nonexistent/model.onnx", {});
  auto e1 = broken.get();
  ASSERT_FALSE(e1.ok());
  EXPECT_EQ(e1.error().path, fs::path("/nonexistent/model.onnx"));
}

TEST(ModelProfile, RecognisesEachKindFromItsFiles) {
  const fs::path& models = testing::test_models_dir();
  auto wd = read_model_profile(models / "wd_v3");
  ASSERT_TRUE(wd.ok()) << wd.error().to_string();
  EXPECT_EQ(wd->kind, ModelKind::kWdV3);
  EXPECT_EQ(wd->name, "wd_v3");
  EXPECT_EQ(wd->labels_file, models / "wd_v3" / "selected_tags.csv");
  EXPECT_FLOAT_EQ(wd->general_threshold, 0.35f);
  EXPECT_FLOAT_EQ(wd->character_threshold, 0.85f);
  EXPECT_TRUE(wd->input.bgr);
  EXPECT_FALSE(wd->sigmoid);

  auto joy = read_model_profile(models / "joytag");
  ASSERT_TRUE(joy.ok()) << joy.error().to_string();
  EXPECT_EQ(joy->kind, ModelKind::kJoyTag);
  EXPECT_FLOAT_EQ(joy->general_threshold, 0.4f);
  EXPECT_FALSE(joy->input.bgr);
  EXPECT_TRUE(joy->sigmoid);
  EXPECT_EQ(joy->input.layout, TaggerInputSpec::Layout::kNCHW);

  auto det = read_model_profile(models / "detector");
  ASSERT_TRUE(det.ok()) << det.error().to_string();
  EXPECT_EQ(det->kind, ModelKind::kYolo);
  EXPECT_FALSE(det->confidence.has_value());

  auto none = read_model_profile(models / "nowhere");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
}

TEST(ModelProfile, AProfileSetsKindAndSettingsAndRejectsTypos) {
  const auto dir = testing::fresh_temp_dir("profile");
  fs::copy_file(testing::test_models_dir() / "wd_v3" / "model.onnx", dir / "tagger.onnx");
  fs::copy_file(testing::test_models_dir() / "wd_v3" / "selected_tags.csv", dir / "tags.csv");
  testing::write_file(dir / "model.toml",
                      "kind = \"wd-v3\"\nname = \"my-tagger\"\nmodel = \"tagger.onnx\"\nlabels = \"tags.csv\"\n"
                      "general_threshold = 0.5\ncharacter_mcut = true\nsize = 448\n");
  auto p = read_model_profile(dir);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->name, "my-tagger");
  EXPECT_EQ(p->model_file, dir / "tagger.onnx");
  EXPECT_FLOAT_EQ(p->general_threshold, 0.5f);
  EXPECT_TRUE(p->character_mcut);
  EXPECT_TRUE(p->size_from_profile);

  testing::write_file(dir / "model.toml", "kind = \"wd-v3\"\ngeneral_treshold = 0.5\n");
  auto typo = read_model_profile(dir);
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message.find("general_treshold"), std::string::npos);
  EXPECT_EQ(typo.error().path, dir / "model.toml");

  testing::write_file(dir / "model.toml", "kind = \"wd-v3\"\nmodel = \"tagger.onnx\"\nlabels = \"tags.csv\"\ngeneral_threshold = \"high\"\n");
  auto type = read_model_profile(dir);
  ASSERT_FALSE(type.ok());
  EXPECT_NE(type.error().message.find("'general_threshold' must be a number"), std::string::npos);

  testing::write_file(dir / "model.toml", "kind = \"clip\"\n");
  auto kind = read_model_profile(dir);
  ASSERT_FALSE(kind.ok());
  EXPECT_NE(kind.error().message.find("unknown kind 'clip'"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tagforge
