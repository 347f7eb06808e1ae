// The stage registry: its order, what each stage reads, and that the typed
// functions the commands call give what the stages record.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <set>
#include <string>

#include "pipeline/stages/caption_stage.h"
#include "pipeline/stages/check_stage.h"
#include "pipeline/stages/item_stage.h"
#include "pipeline/stages/tagger_stage.h"
#include "pipeline/stages/tags_stage.h"

namespace tagforge {
namespace {

using json = nlohmann::ordered_json;

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const ItemStage* s : item_stages()) out.emplace_back(s->name());
  return out;
}

TEST(StageRegistry, ListsTheStagesInTheOrderTheyRun) {
  // The manifest, events.jsonl and the report list stages in this order.
  EXPECT_EQ(names(), (std::vector<std::string>{"tagger", "detect", "segment", "nsfw", "phash", "quality", "tags",
                                               "check", "caption", "score"}));
  for (size_t k = 0; k < item_stages().size(); ++k) {
    EXPECT_EQ(item_stage_index(item_stages()[k]->name()), k);
    EXPECT_EQ(find_item_stage(item_stages()[k]->name()), item_stages()[k]);
  }
  EXPECT_EQ(item_stage_index("review"), item_stages().size());
  EXPECT_EQ(find_item_stage("review"), nullptr);
}

TEST(StageRegistry, EachStageComesAfterTheStagesItReads) {
  RunContext c;
  std::set<std::string> before;
  for (const ItemStage* s : item_stages()) {
    for (const char* in : s->inputs(c)) EXPECT_TRUE(before.count(in)) << s->name() << " reads " << in;
    // A stage that reads only the image reads the image.
    if (s->reads_only_the_image()) {
      EXPECT_TRUE(s->reads_image()) << s->name();
      EXPECT_TRUE(s->inputs(c).empty()) << s->name();
    }
    before.insert(s->name());
  }
}

TEST(StageRegistry, WithoutModelsOnlyTheStagesWithoutOneApply) {
  RunContext c;
  ItemState item;
  item.item.hash = "00ff";
  std::map<std::string, std::string> fps;
  ReviewEdit edit;
  for (const ItemStage* s : item_stages()) {
    if (auto f = s->fingerprint(FingerprintInputs{item, fps, edit, c})) fps[s->name()] = *f;
    EXPECT_EQ(s->applies(c), !s->runs_a_model() && std::string(s->name()) != "check") << s->name();
  }
  // phash ([dedupe] near_copies is on by default), quality, tags, caption, score: no model, nothing to check.
  EXPECT_EQ(fps.size(), 5u);
  EXPECT_TRUE(fps.count("phash") && fps.count("quality") && fps.count("tags") && fps.count("caption") &&
              fps.count("score"));
  c.config.dedupe.near_copies = false;
  EXPECT_FALSE(find_item_stage("phash")->fingerprint(FingerprintInputs{item, fps, edit, c}));

  // The caption's fingerprint follows the item's own caption; the score's, a person's edit.
  const std::string caption = fps["caption"], score = fps["score"];
  item.existing_caption = "a cat";
  std::map<std::string, std::string> again{{"tags", fps["tags"]}};
  const auto own = caption_stage().fingerprint(FingerprintInputs{item, again, edit, c});
  EXPECT_NE(own, caption);
  again["caption"] = caption;
  edit.tags = "1girl";
  const ItemStage* scorer = find_item_stage("score");
  EXPECT_NE(scorer->fingerprint(FingerprintInputs{item, again, edit, c}), score);
}

TEST(StageRegistry, TheTagsStageRecordsWhatTagforgeTagWrites) {
  std::vector<std::string> warnings;
  auto engine = load_tag_engine(TagEngineFiles{TAGFORGE_TEST_DATA_DIR, {}, {}}, &warnings);
  ASSERT_TRUE(engine) << engine.error().to_string();
  RunContext c;
  c.engine = std::move(*engine);
  ItemState item;
  item.existing_tags = "Long Hair, 1girl, very_long_hair";
  const StageOutput out = tags_stage().compute(StageInput{item, nullptr, c});
  ASSERT_TRUE(out.error.empty()) << out.error;
  const json data = json::parse(out.data);
  EXPECT_EQ(data["own"], item.existing_tags);
  // No tagger: the line is the sidecar's, normalised and with the implied tag dropped.
  EXPECT_EQ(data["tags"], merged_tag_line(item.existing_tags, {}, "tagger", *c.engine));
  EXPECT_EQ(data["tags"], "1girl, very_long_hair");

  TagPrediction p;
  p.general = {{"smile", 0.9f}};
  p.character = {{"hatsune_miku", 0.8f}};
  const auto predicted = predicted_tags(p);
  ASSERT_EQ(predicted.size(), 2u);
  EXPECT_EQ(predicted[0].first, "hatsune_miku");  // characters first, as the stage reads its result
  EXPECT_EQ(merged_tag_line("1girl", predicted, "wd", *c.engine).find("smile") != std::string::npos, true);
}

TEST(StageRegistry, TheStagesDeclareTheirSectionsOfTheRunsOptions) {
  RunConfig config;
  std::vector<std::string> sections;
  for (const OptionDef& d : config.table()) {
    if (sections.empty() || sections.back() != d.section) sections.push_back(d.section);
  }
  // The run's own sections, then the stages' in the registry's order: the order `tagforge init` writes.
  EXPECT_EQ(sections, (std::vector<std::string>{"run", "models", "extract", "quality", "tag", "check", "caption", "caption.llm",
                                                "caption.llm.local", "caption.llm.remote", "score", "export",
                                                "dedupe"}));
  OptionTable only_check;
  find_item_stage("check")->add_options(only_check, config);
  ASSERT_FALSE(only_check.empty());
  for (const OptionDef& d : only_check) EXPECT_EQ(d.section, "check");
  EXPECT_EQ(std::get<std::string*>(only_check[0].target), &config.check.fix);  // where the value is kept
}

TEST(StageRegistry, EachModelStageReadsItsModelsFromItsKeyInModels) {
  ModelsConfig m;
  m.tagger = "joytag";
  m.detectors = {"face", "hand"};
  m.nsfw = "none";
  std::vector<std::string> keys;
  for (const ItemStage* s : item_stages()) {
    if (s->runs_a_model()) keys.emplace_back(s->model_key());
    else EXPECT_EQ(s->model_key(), nullptr) << s->name();
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"tagger", "detectors", "segmenter", "nsfw"}));
  using Names = std::vector<std::string>;
  EXPECT_EQ(tagger_stage().models_named(m), Names{"joytag"});
  EXPECT_EQ(find_item_stage("detect")->models_named(m), (Names{"face", "hand"}));
  EXPECT_EQ(find_item_stage("segment")->models_named(m), Names{});  // empty: the catalogue's defaults
  EXPECT_EQ(find_item_stage("nsfw")->models_named(m), Names{"none"});
}

TEST(StageRegistry, FixPoliciesByName) {
  EXPECT_EQ(fix_policy_named("none"), FixPolicy::kNone);
  EXPECT_EQ(fix_policy_named("replace"), FixPolicy::kReplace);
  EXPECT_EQ(fix_policy_named("flag"), FixPolicy::kFlag);
}

}  // namespace
}  // namespace tagforge
