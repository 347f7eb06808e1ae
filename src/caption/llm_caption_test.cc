// Stage one of the LLM caption against the scripted server: routing by the
// NSFW score, the loopback with what the last answer missed, and the choice
// between the best answer and the deterministic caption.
#include "caption/llm_caption.h"

#include <gtest/gtest.h>

#include "fake_llm_server.h"
#include "shipped_data.h"
#include "tagforge/caption.h"

namespace tagforge {
namespace {

using testing::FakeLlmServer;
using testing::FakeReply;
using testing::FakeRequest;

std::string prompt_of(const FakeRequest& r) {
  const auto& content = r.body["messages"].back()["content"];
  return content.is_array() ? content[0]["text"].get<std::string>() : content.get<std::string>();
}

PromptTemplates templates() {
  PromptTemplates p;
  p.system = "Caption images.";
  p.stage1 = "Tags: {tags}\nDraft: {caption}";
  p.loopback = "Again. Last: {previous}\nMissed: {missing}\nWrong: {contradicted}\nTags: {tags}";
  p.rewrite = "Rewrite: {caption}";
  p.quadrant = "Tile {position}. Tags: {tags}";
  return p;
}

LlmEndpoint endpoint(const FakeLlmServer& s) {
  LlmEndpoint e;
  e.base_url = s.base_url();
  e.model = "vlm";
  e.timeout_s = 5;
  e.max_retries = 0;
  return e;
}

struct Fixture {
  TagList tags = parse_tag_list("1girl, solo, blue_hair, red_eyes, smile, school_uniform", testing::shipped_db());
  std::string deterministic = caption_from_tags(tags, testing::shipped_db(), testing::shipped_lexicon(), {});
  LlmCaptionItem item(double nsfw) const {
    LlmCaptionItem i;
    i.tags = &tags;
    i.deterministic = deterministic;
    i.image_jpeg = "\xff\xd8 jpeg";
    i.nsfw = nsfw;
    return i;
  }
};

std::unique_ptr<LlmCaptioner> open(const LlmCaptionConfig& config) {
  static const ScoreOptions score;
  auto c = LlmCaptioner::open(config, templates(), testing::shipped_db(), testing::shipped_lexicon(), score);
  EXPECT_TRUE(c.ok()) << c.error().to_string();
  return c.ok() ? std::move(*c) : nullptr;
}

TEST(LlmCaption, NsfwItemsGoOnlyToTheLocalEndpoint) {
  const Fixture f;
  FakeLlmServer local([&](const FakeRequest&, int) { return FakeReply::answer("{\"caption\": \"" + f.deterministic + "\"}"); });
  FakeLlmServer remote([&](const FakeRequest&, int) { return FakeReply::answer("{\"caption\": \"" + f.deterministic + "\"}"); });
  LlmCaptionConfig both;
  both.rewrite = false;
  both.local = endpoint(local);
  both.remote = endpoint(remote);
  auto c = open(both);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->caption(f.item(0.9)).attempts.at(0).endpoint, "local");
  EXPECT_EQ(c->caption(f.item(0.5)).attempts.at(0).endpoint, "local");  // "at or above"
  EXPECT_EQ(c->caption(f.item(0.1)).attempts.at(0).endpoint, "remote");
  EXPECT_EQ(c->caption(f.item(-1)).attempts.at(0).endpoint, "local");  // no score: the safe side
  EXPECT_EQ(local.requests().size(), 3u);
  EXPECT_EQ(remote.requests().size(), 1u);

  LlmCaptionConfig remote_only;
  remote_only.rewrite = false;
  remote_only.remote = endpoint(remote);
  auto r = open(remote_only);
  ASSERT_TRUE(r);
  const LlmCaptionOutcome o = r->caption(f.item(0.7));
  EXPECT_TRUE(o.attempts.empty());
  EXPECT_FALSE(o.from_llm);
  EXPECT_EQ(o.caption, f.deterministic);
  EXPECT_EQ(o.reason, "NSFW score 0.70 is at least 0.50 and no local endpoint is configured");
  EXPECT_EQ(remote.requests().size(), 1u) << "nothing more went to the remote endpoint";
  EXPECT_EQ(r->caption(f.item(0.2)).attempts.size(), 1u);
}

TEST(LlmCaption, TheLoopbackSaysWhatWasMissedAndKeepsTheBest) {
  const Fixture f;
  FakeLlmServer server([&](const FakeRequest&, int n) {
    if (n == 0) return FakeReply::answer(R"({"caption": "A girl stands outside."})");  // misses most facts
    return FakeReply::answer("{\"caption\": \"" + f.deterministic + "\"}");
  });
  LlmCaptionConfig config;
  config.local = endpoint(server);
  config.seed = 10;
  config.rewrite = false;
  auto c = open(config);
  ASSERT_TRUE(c);
  const LlmCaptionOutcome o = c->caption(f.item(-1));
  ASSERT_EQ(o.attempts.size(), 2u);
  EXPECT_LT(o.attempts[0].overall, config.loop_threshold);
  EXPECT_FALSE(o.attempts[0].missing.empty());
  EXPECT_GE(o.attempts[1].overall, config.loop_threshold);
  EXPECT_TRUE(o.from_llm);
  EXPECT_EQ(o.caption, f.deterministic);
  EXPECT_EQ(o.reason, "");

  const auto got = server.requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].body["seed"], 10);
  EXPECT_EQ(got[1].body["seed"], 11);
  const std::string first = prompt_of(got[0]), second = prompt_of(got[1]);
  EXPECT_NE(first.find("Draft: " + f.deterministic), std::string::npos) << first;
  EXPECT_NE(second.find("Last: A girl stands outside."), std::string::npos) << second;
  EXPECT_NE(second.find("Missed: "), std::string::npos);
  EXPECT_NE(second.find("blue hair"), std::string::npos) << second;  // among what it missed
  // The loopback lists fewer tags: a fifth fewer on the first.
  const std::string tags_line = second.substr(second.find("Tags: ") + 6);
  EXPECT_EQ(std::count(tags_line.begin(), tags_line.end(), ','), 4) << tags_line;
}

TEST(LlmCaption, BelowTheFloorTheDeterministicCaptionStays) {
  const Fixture f;
  FakeLlmServer server([&](const FakeRequest&, int) { return FakeReply::answer("A cat sleeps on a red sofa."); });
  LlmCaptionConfig config;
  config.local = endpoint(server);
  config.max_loopbacks = 2;
  auto c = open(config);
  ASSERT_TRUE(c);
  const LlmCaptionOutcome o = c->caption(f.item(-1));
  EXPECT_EQ(o.attempts.size(), 3u);
  EXPECT_FALSE(o.from_llm);
  EXPECT_EQ(o.caption, f.deterministic);
  EXPECT_NE(o.reason.find("under stage2_threshold 0.50"), std::string::npos) << o.reason;
  EXPECT_EQ(o.attempts[0].caption, "A cat sleeps on a red sofa.");  // plain text is taken as the caption
}

TEST(LlmCaption, TheRewriteSmoothsAndWhatItLosesIsPutBack) {
  const Fixture f;
  const std::string lossy = "A cheerful schoolgirl smiles.";  // lost the hair and eye colours
  FakeLlmServer server([&](const FakeRequest& r, int) {
    if (prompt_of(r).rfind("Rewrite: ", 0) == 0) return FakeReply::answer("{\"caption\": \"" + lossy + "\"}");
    return FakeReply::answer("{\"caption\": \"" + f.deterministic + "\"}");
  });
  LlmCaptionConfig config;
  config.local = endpoint(server);
  auto c = open(config);
  ASSERT_TRUE(c);
  const LlmCaptionOutcome o = c->caption(f.item(-1));
  ASSERT_TRUE(o.rewrite);
  EXPECT_EQ(o.rewrite->text, lossy);
  EXPECT_NE(o.rewrite->reapplied.find("blue hair"), std::string::npos) << o.rewrite->reapplied;
  EXPECT_NE(o.rewrite->reapplied.find("red eyes"), std::string::npos) << o.rewrite->reapplied;
  const auto got = server.requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].body["messages"].size(), 1u) << "the rewrite is text only, without the system prompt";
  EXPECT_TRUE(got[1].body["messages"][0]["content"].is_string());
  // Kept only when it does not score worse than the caption it came from.
  EXPECT_EQ(o.rewrite->kept, o.rewrite->overall >= o.attempts[0].overall);
  EXPECT_EQ(o.caption, o.rewrite->kept ? lossy + " " + o.rewrite->reapplied : f.deterministic);

  FakeLlmServer failing([&](const FakeRequest& r, int) {
    if (prompt_of(r).rfind("Rewrite: ", 0) == 0) return FakeReply::failing(500);
    return FakeReply::answer("{\"caption\": \"" + f.deterministic + "\"}");
  });
  config.local = endpoint(failing);
  auto d = open(config);
  ASSERT_TRUE(d);
  const LlmCaptionOutcome e = d->caption(f.item(-1));
  ASSERT_TRUE(e.rewrite);
  EXPECT_FALSE(e.rewrite->kept);
  EXPECT_NE(e.rewrite->error.find("HTTP 500"), std::string::npos) << e.rewrite->error;
  EXPECT_EQ(e.caption, f.deterministic);
  EXPECT_TRUE(e.from_llm);
}

TEST(LlmCaption, BelowTheThresholdTheTilesAreCaptionedAndComposed) {
  const Fixture f;
  FakeLlmServer server([&](const FakeRequest& r, int) {
    const std::string p = prompt_of(r);
    if (p.rfind("Tile upper left", 0) == 0) return FakeReply::answer(R"({"caption": "A girl with blue hair smiles."})");
    if (p.rfind("Tile upper right", 0) == 0) return FakeReply::answer(R"({"caption": "Her eyes are red."})");
    if (p.rfind("Tile lower left", 0) == 0) return FakeReply::answer(R"({"caption": "She wears a school uniform."})");
    if (p.rfind("Tile", 0) == 0) return FakeReply::failing(500);
    return FakeReply::answer(R"({"caption": "A cat sleeps."})");  // the whole image: always wrong
  });
  LlmCaptionConfig config;
  config.local = endpoint(server);
  config.max_loopbacks = 1;
  config.rewrite = false;
  auto c = open(config);
  ASSERT_TRUE(c);
  LlmCaptionItem item = f.item(-1);
  int made = 0;
  item.tiles = [&] {
    ++made;
    std::vector<LlmTile> tiles;
    for (const char* pos : {"upper left", "upper right", "lower left", "lower right"}) {
      LlmTile t;
      t.position = pos;
      t.owner = std::string(pos) == "upper left" ? "the person on the left" : "";
      t.jpeg = "\xff\xd8 tile";
      tiles.push_back(t);
    }
    return tiles;
  };
  const LlmCaptionOutcome o = c->caption(item);
  EXPECT_EQ(made, 1);
  ASSERT_TRUE(o.stage2);
  ASSERT_EQ(o.stage2->tiles.size(), 4u);
  EXPECT_NE(o.stage2->tiles[3].error.find("HTTP 500"), std::string::npos);
  EXPECT_EQ(o.stage2->caption,
            "The person on the left: A girl with blue hair smiles. In the upper right, her eyes are red. "
            "In the lower left, she wears a school uniform.");
  EXPECT_GE(o.stage2->overall, config.stage2_threshold);
  EXPECT_TRUE(o.from_llm);
  EXPECT_EQ(o.caption, o.stage2->caption);
  EXPECT_EQ(o.attempts.size(), 2u);

  // A good first answer never makes tiles.
  FakeLlmServer good([&](const FakeRequest&, int) { return FakeReply::answer("{\"caption\": \"" + f.deterministic + "\"}"); });
  config.local = endpoint(good);
  auto g = open(config);
  made = 0;
  EXPECT_FALSE(g->caption(item).stage2);
  EXPECT_EQ(made, 0);
}

TEST(LlmCaption, ATagTheLlmAlwaysContradictsIsCorrectedOnlyWhenTheTaggerWasUnsure) {
  const TagList tags = parse_tag_list("1girl, solo, blue_hair, smile, red_dress", testing::shipped_db());
  const std::string deterministic = caption_from_tags(tags, testing::shipped_db(), testing::shipped_lexicon(), {});
  FakeLlmServer server([&](const FakeRequest&, int) {
    return FakeReply::answer(R"({"caption": "A smiling girl with blue hair wears a pink dress."})");
  });
  LlmCaptionConfig config;
  config.local = endpoint(server);
  config.max_loopbacks = 2;
  config.rewrite = false;
  config.grid = 0;
  config.correct_tags = true;
  config.loop_threshold = 0.95;  // ask again while the dress is contradicted
  auto c = open(config);
  ASSERT_TRUE(c);
  LlmCaptionItem item;
  item.tags = &tags;
  item.deterministic = deterministic;
  item.image_jpeg = "\xff\xd8";
  item.tagger_only = {{"red_dress", 0.31f}};
  const LlmCaptionOutcome unsure = c->caption(item);
  ASSERT_EQ(unsure.attempts.size(), 3u);
  ASSERT_EQ(unsure.corrected.size(), 1u) << unsure.attempts[0].contradicted.size();
  EXPECT_EQ(unsure.corrected[0].tag, "red_dress");
  EXPECT_EQ(unsure.corrected[0].contradicted, 3);
  EXPECT_EQ(unsure.corrected[0].answers, 3);
  EXPECT_TRUE(unsure.attempts[0].contradicted.empty()) << "scored again without the tag";
  EXPECT_TRUE(unsure.from_llm);
  EXPECT_EQ(unsure.caption, "A smiling girl with blue hair wears a pink dress.");

  item.tagger_only = {{"red_dress", 0.8f}};  // the tagger was sure: the tag stays
  const LlmCaptionOutcome sure = c->caption(item);
  EXPECT_TRUE(sure.corrected.empty());
  item.tagger_only.clear();  // the input's own tag: never corrected
  EXPECT_TRUE(c->caption(item).corrected.empty());
}

TEST(LlmCaption, TheCaptionIsFoundInWhateverTheModelWrote) {
  EXPECT_EQ(caption_in_answer("{\"caption\": \" A girl. \"}"), "A girl.");
  EXPECT_EQ(caption_in_answer("Sure!\n```json\n{\"caption\": \"A girl.\"}\n```"), "A girl.");
  EXPECT_EQ(caption_in_answer("\"A girl smiles.\"\n"), "A girl smiles.");
  EXPECT_EQ(caption_in_answer("{\"caption\": \"A gi"), "");  // cut-off JSON is no caption
  EXPECT_EQ(caption_in_answer("   "), "");
}

}  // namespace
}  // namespace tagforge
