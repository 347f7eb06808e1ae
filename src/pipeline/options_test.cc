// Options defined once: the config file read through the definitions, its
// errors (file, line, key), flags beating the file, and `init`'s text
// reading back to the same values.
#include <gtest/gtest.h>

#include "pipeline/options.h"
#include "pipeline/stage_options.h"

namespace tagforge {
namespace {

struct Knobs {
  double rate = 2;
  int count = 1;
  float share = 0.5f;
  bool on = false;
  std::string mode = "png";
  std::vector<std::string> labels;

  OptionTable table() {
    return {
        {"stage", "rate", "Frames a second", &rate, std::pair{0.0, 100.0}, {}},
        {"stage", "count", "How many", &count, std::pair{0.0, 10.0}, {}},
        {"stage", "share", "A share", &share, std::pair{0.0, 1.0}, {}},
        {"stage", "on", "Switch", &on, std::nullopt, {}},
        {"stage", "mode", "Format", &mode, std::nullopt, {"png", "jpg"}},
        {"models", "labels", "Labels", &labels, std::nullopt, {}},
    };
  }
};

std::string error_of(std::string_view text, Knobs& k, const std::set<std::string>& skip = {}) {
  Status st = apply_config_text(text, "my.toml", k.table(), skip);
  return st.ok() ? std::string("ok") : st.error().to_string();
}

TEST(Options, SectionsInsideSectionsAreTablesOfTheirParent) {
  RunConfig config;
  const OptionTable table = config.table();
  Status st = apply_config_text(
      "[caption]\ntrigger = \"sks\"\n[caption.llm]\nmax_loopbacks = 5\n"
      "[caption.llm.local]\nbase_url = \"http://127.0.0.1:8000/v1\"\ntimeout_s = 30\n"
      "[caption.llm.remote]\nmodel = \"gpt-4o-mini\"\n",
      "my.toml", table);
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  EXPECT_EQ(config.caption.trigger, "sks");
  EXPECT_EQ(config.caption.llm.max_loopbacks, 5);
  EXPECT_EQ(config.caption.llm.local.base_url, "http://127.0.0.1:8000/v1");
  EXPECT_EQ(config.caption.llm.local.timeout_s, 30.0);
  EXPECT_EQ(config.caption.llm.remote.model, "gpt-4o-mini");
  EXPECT_TRUE(config.caption.llm.enabled());

  auto error = [&](std::string_view text) {
    Status s = apply_config_text(text, "my.toml", table);
    return s.ok() ? std::string("ok") : s.error().to_string();
  };
  EXPECT_EQ(error("[caption.llm.local]\nbase_ulr = \"x\"\n"),
            "my.toml: line 2: unknown key base_ulr in [caption.llm.local]; did you mean base_url?");
  EXPECT_EQ(error("[caption.lmm]\n"), "my.toml: line 1: unknown key lmm in [caption]; did you mean llm?");
  EXPECT_EQ(error("[caption]\nllm = 3\n"), "my.toml: line 2: caption.llm must be a section ([caption.llm])");
  EXPECT_EQ(error("[caption.llm]\nmax_loopbacks = \"3\"\n"),
            "my.toml: line 2: [caption.llm] max_loopbacks wants a whole number, not a string");

  // What decides a caption is in its fingerprint's text; how it is fetched is not.
  const std::string text = section_text(table, "caption");
  EXPECT_NE(text.find("[caption.llm.local]\nbase_url = \"http://127.0.0.1:8000/v1\""), std::string::npos) << text;
  EXPECT_EQ(text.find("timeout_s"), std::string::npos) << text;
  EXPECT_EQ(section_text(table, "capt").find("trigger"), std::string::npos);
}

TEST(Options, AConfigSetsEveryKindOfValue) {
  Knobs k;
  ASSERT_EQ(error_of("[stage]\nrate = 3\ncount = 4\nshare = 0.25\non = true\nmode = \"jpg\"\n"
                     "[models]\nlabels = [\"face\", \"hand\"]\n",
                     k),
            "ok");
  EXPECT_EQ(k.rate, 3.0);  // an integer is a fine number
  EXPECT_EQ(k.count, 4);
  EXPECT_EQ(k.share, 0.25f);
  EXPECT_TRUE(k.on);
  EXPECT_EQ(k.mode, "jpg");
  EXPECT_EQ(k.labels, (std::vector<std::string>{"face", "hand"}));
}

TEST(Options, ErrorsNameTheFileTheLineAndTheKey) {
  Knobs k;
  EXPECT_EQ(error_of("[stage]\n\nrat = 3\n", k), "my.toml: line 3: unknown key rat in [stage]; did you mean rate?");
  EXPECT_EQ(error_of("[stgae]\nrate = 3\n", k),
            "my.toml: line 1: unknown section [stgae] (known: stage, models); did you mean stage?");
  EXPECT_EQ(error_of("[stage]\ncount = 2.5\n", k), "my.toml: line 2: [stage] count wants a whole number, not a number");
  EXPECT_EQ(error_of("[stage]\nrate = \"fast\"\n", k), "my.toml: line 2: [stage] rate wants a number, not a string");
  EXPECT_EQ(error_of("[stage]\nshare = 3\n", k), "my.toml: line 2: [stage] share must be within [0, 1], not 3");
  EXPECT_EQ(error_of("[stage]\nshare = nan\n", k), "my.toml: line 2: [stage] share must be within [0, 1], not nan");
  EXPECT_EQ(error_of("[stage]\nmode = \"gif\"\n", k),
            "my.toml: line 2: [stage] mode must be one of png, jpg, not \"gif\"");
  EXPECT_EQ(error_of("[models]\nlabels = [\"face\", 3]\n", k),
            "my.toml: line 2: [models] labels wants a list of strings, not a list");
  EXPECT_EQ(error_of("rate = 3\n", k).rfind("my.toml: line 1: unknown section [rate]", 0), 0u);
  EXPECT_EQ(error_of("[stage\n", k).rfind("my.toml: line 1: ", 0), 0u);  // TOML's own syntax errors too
  EXPECT_EQ(error_of("[stage]\nrate = 1\nrate = 2\n", k).rfind("my.toml: line 3: ", 0), 0u);
}

TEST(Options, AFlagGivenBeatsTheFileButTheFileIsStillChecked) {
  Knobs k;
  k.rate = 7;  // as if --rate 7 had been given
  ASSERT_EQ(error_of("[stage]\nrate = 3\ncount = 2\n", k, {"stage.rate"}), "ok");
  EXPECT_EQ(k.rate, 7.0);
  EXPECT_EQ(k.count, 2);
  EXPECT_NE(error_of("[stage]\nrate = \"x\"\n", k, {"stage.rate"}), "ok");
}

TEST(Options, TheFlagIsTheKeyWithDashes) {
  OptionTable t;
  ExtractConfig e;
  add_extract_options(t, e);
  auto it = std::find_if(t.begin(), t.end(), [](const OptionDef& d) { return d.key == "similarity_threshold"; });
  ASSERT_NE(it, t.end());
  EXPECT_EQ(it->flag(), "--similarity-threshold");
}

TEST(Options, TheWrittenDefaultsReadBackToTheSameValues) {
  ModelsConfig models;
  ExtractConfig extract;
  OptionTable table;
  add_models_options(table, models);
  add_extract_options(table, extract);
  extract.inspect.require_segments = {"face", "we\"ird\\"};
  extract.frames.selection.similarity_threshold = 0.85f;
  extract.frames.vfps = 3;
  const std::string text = format_config(table, "# header\n");
  EXPECT_NE(text.find("# Prune a frame at least this similar"), std::string::npos);
  EXPECT_NE(text.find("[extract]\n"), std::string::npos);

  ModelsConfig models2;
  ExtractConfig extract2;
  OptionTable table2;
  add_models_options(table2, models2);
  add_extract_options(table2, extract2);
  ASSERT_TRUE(apply_config_text(text, "init.toml", table2).ok()) << text;
  EXPECT_EQ(format_config(table2, "# header\n"), text);
  EXPECT_EQ(extract2.inspect.require_segments, extract.inspect.require_segments);
  EXPECT_EQ(extract2.frames.selection.similarity_threshold, 0.85f);
  EXPECT_EQ(extract2.frames.vfps, 3.0);
}

}  // namespace
}  // namespace tagforge
