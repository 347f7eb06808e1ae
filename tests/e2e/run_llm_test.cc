// End-to-end: `tagforge run` with a vision LLM behind [caption.llm.local],
// played by the scripted test server. Every fault a server has (a good
// answer, one that contradicts the tags, malformed JSON, refusals, 429 with
// Retry-After, 500s, an answer past the timeout, a dropped connection) ends
// with a caption on every item, the reason in the manifest, and a run that
// goes on; the API key is in no output file.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <set>

#include "fake_llm_server.h"
#include "media_fixtures.h"
#include "pipeline/manifest.h"
#include "run_cli.h"
#include "test_models.h"

namespace tagforge::e2e {
namespace {

namespace fs = std::filesystem;
using testing::FakeLlmServer;
using testing::FakeReply;
using testing::FakeRequest;
using testing::read_file;
using testing::write_file;
using json = nlohmann::json;

constexpr const char* kKey = "sk-tagforge-e2e-4242";
const char* const kCases[] = {"good", "contradict", "malformed", "refuse", "ratelimit", "error", "slow", "drop"};

// The draft caption the stage-one prompt carries (the server answers with it: a good caption).
std::string draft_in(const std::string& prompt) {
  const std::string mark = "(accurate but stiff): ";
  const size_t at = prompt.find(mark);
  if (at == std::string::npos) return "";
  const size_t end = prompt.find('\n', at);
  return prompt.substr(at + mark.size(), end == std::string::npos ? std::string::npos : end - at - mark.size());
}

std::string prompt_of(const FakeRequest& r) {
  const json& content = r.body["messages"].back()["content"];
  return content.is_array() ? content[0]["text"].get<std::string>() : content.get<std::string>();
}

FakeReply play(const FakeRequest& r, std::atomic<int>& ratelimited) {
  const std::string prompt = prompt_of(r);
  if (prompt.rfind("Rewrite this image caption", 0) == 0) {  // stage 3: the caption back as it was
    const size_t at = prompt.find("Caption: ");
    return FakeReply::answer(json{{"caption", prompt.substr(at + 9, prompt.find('\n', at) - at - 9)}}.dump());
  }
  auto is = [&](const char* c) { return prompt.find(std::string("case ") + c) != std::string::npos; };
  if (is("good")) return FakeReply::answer(json{{"caption", draft_in(prompt)}}.dump());
  if (is("contradict")) return FakeReply::answer(R"({"caption": "A boy with green hair frowns. Also: case contradict."})");
  if (is("malformed")) {
    FakeReply f;
    f.raw_body = R"({"choices": [{"message": {"content": "A girl)";
    return f;
  }
  if (is("refuse")) return FakeReply::answer("I'm sorry, but I can't help with that.");
  if (is("ratelimit")) {
    if (ratelimited++ == 0) {
      FakeReply f = FakeReply::failing(429);
      f.headers["Retry-After"] = "1";
      return f;
    }
    return FakeReply::answer(json{{"caption", draft_in(prompt)}}.dump());
  }
  if (is("error")) return FakeReply::failing(500);
  if (is("slow")) {
    FakeReply f = FakeReply::answer(R"({"caption": "too late"})");
    f.delay_s = 1.5;
    return f;
  }
  FakeReply f;
  f.drop = true;  // "drop"
  return f;
}

// One real sprite per case, each with its tag file.
fs::path llm_input(const std::string& name) {
  const fs::path in = fresh_dir(name);
  const fs::path sprite = fs::path(TAGFORGE_TEST_MEDIA_DIR) / "sylvie blue smile.png";
  for (const char* c : kCases) {
    fs::copy_file(sprite, in / (std::string(c) + ".png"));
    write_file(in / (std::string(c) + ".txt"), std::string("1girl, solo, blue_hair, smile, case_") + c);
  }
  return in;
}

// No buckets (the files stay where the tests look), and the test detector: one person box over
// most of the image, so stage 2's tiles have an owner.
std::string base_config() {
  return "[run]\nsort = false\n[models]\ndetectors = [\"" + (testing::test_models_dir() / "detector").string() +
         "\"]\n";
}

std::string config_for(const FakeLlmServer& server, const std::string& extra = "") {
  return base_config() + "[caption.llm]\nmax_loopbacks = 2\n" + extra +
         "[caption.llm.local]\nbase_url = \"" + server.base_url() +
         "\"\nmodel = \"test-vlm\"\napi_key_env = \"TAGFORGE_E2E_LLM_KEY\"\ntimeout_s = 0.6\nmax_retries = 1\n"
         "backoff_s = 0.01\n";
}

json caption_row(Manifest& m, const std::string& path) {
  auto r = m.result(path, "caption");
  if (!r.ok() || !*r) return json();
  return json::parse((*r)->data);
}

TEST(RunLlm, EveryServerFaultEndsWithACaptionAndItsReason) {
  std::atomic<int> ratelimited{0};
  FakeLlmServer server([&](const FakeRequest& r, int) { return play(r, ratelimited); });
  const fs::path in = llm_input("llm-in");
  const fs::path plain = fresh_dir("llm-plain");  // the deterministic captions, to compare with
  const fs::path config = fresh_dir("llm-config") / "tagforge.toml";
  write_file(config, base_config());
  CliResult base = run_cli({"run", in.string(), "--out", plain.string(), "--config", config.string()});
  ASSERT_EQ(base.exit_code, 0) << base.err;

  const fs::path out = fresh_dir("llm-out");
  write_file(config, config_for(server));
  const std::vector<std::string> args{"run", in.string(), "--out", out.string(), "--config", config.string()};
  CliResult r = run_cli(args, {std::string("TAGFORGE_E2E_LLM_KEY=") + kKey});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;

  auto m = Manifest::open(out / ".tagforge" / "manifest.sqlite");
  ASSERT_TRUE(m.ok());
  struct Want {
    const char* source;
    const char* reason;  // "" for an accepted LLM caption
  };
  const std::map<std::string, Want> want{
      {"good", {"llm", ""}},
      {"ratelimit", {"llm", ""}},
      {"contradict", {"tags", "under stage2_threshold"}},
      {"malformed", {"tags", "not a chat completion"}},
      {"refuse", {"tags", "no LLM caption: refused"}},
      {"error", {"tags", "server error after 2 attempts"}},
      {"slow", {"tags", "timed out after 2 attempts"}},
      {"drop", {"tags", "connection failed or closed after 2 attempts"}},
  };
  for (const auto& [c, w] : want) {
    SCOPED_TRACE(c);
    const json row = caption_row(**m, c + ".png");
    ASSERT_TRUE(row.is_object());
    EXPECT_EQ(row["source"], w.source);
    const std::string written = read_file(out / (c + ".caption"));
    EXPECT_EQ(written, row["caption"].get<std::string>());
    if (std::string(w.source) == "tags") {
      EXPECT_EQ(written, read_file(plain / (c + ".caption"))) << "the deterministic caption is kept";
      ASSERT_TRUE(row["llm"].contains("reason"));
      EXPECT_NE(row["llm"]["reason"].get<std::string>().find(w.reason), std::string::npos) << row.dump();
    } else {
      EXPECT_FALSE(row["llm"].contains("reason")) << row.dump();
      EXPECT_EQ(row["llm"]["rewrite"]["kept"], true) << row.dump();  // stage 3 ran, text only
      EXPECT_EQ(written, read_file(plain / (c + ".caption"))) << "the server sent the draft back";
    }
  }
  // The contradicting server was asked twice more, told what it got wrong, then tile by tile
  // (stage 2), each tile owned by the detector's person.
  const json contradict = caption_row(**m, "contradict.png")["llm"];
  EXPECT_EQ(contradict["attempts"].size(), 3u);
  ASSERT_EQ(contradict["stage2"]["tiles"].size(), 4u) << contradict.dump();
  EXPECT_EQ(contradict["stage2"]["tiles"][0]["position"], "upper left");
  EXPECT_EQ(contradict["stage2"]["tiles"][0]["owner"], "the person");
  EXPECT_EQ(contradict["stage2"]["caption"].get<std::string>().rfind("The person: A boy with green hair frowns.", 0), 0u)
      << contradict.dump();
  EXPECT_FALSE(caption_row(**m, "malformed.png")["llm"].contains("stage2")) << "a failing endpoint is not asked more";
  EXPECT_EQ(caption_row(**m, "refuse.png")["llm"]["attempts"].size(), 3u);
  int loopbacks = 0;
  for (const FakeRequest& q : server.requests()) {
    const std::string p = prompt_of(q);
    if (p.find("case contradict") != std::string::npos && p.find("Your last caption was") != std::string::npos) {
      ++loopbacks;
      EXPECT_NE(p.find("It contradicted the tags: caption: "), std::string::npos) << p;
    }
    EXPECT_EQ(q.authorization, std::string("Bearer ") + kKey);
    EXPECT_EQ(q.body["model"], "test-vlm");
  }
  EXPECT_EQ(loopbacks, 2);

  // The report tells the outcomes apart.
  const std::string report = read_file(out / "report.html");
  for (const char* kind : {"LLM caption, rewritten", "timed out", "refused", "server error",
                           "connection failed or closed", "scored too low", "answer is not a chat completion"}) {
    EXPECT_NE(report.find(kind), std::string::npos) << kind;
  }

  // The key is in nothing the run wrote or said.
  for (const auto& entry : fs::recursive_directory_iterator(out)) {
    if (!entry.is_regular_file()) continue;
    // The manifest's files are read by another process: closing a descriptor of a database
    // file in this one would drop the POSIX locks SQLite holds through `m` (fcntl locks belong
    // to the process), and the next run, taking itself for the last connection, would remove
    // the WAL under it.
    if (entry.path().filename().string().rfind("manifest.sqlite", 0) == 0) {
      const std::string grep = "grep -qF '" + std::string(kKey) + "' '" + entry.path().string() + "'";
      EXPECT_NE(std::system(grep.c_str()), 0) << entry.path();
      continue;
    }
    EXPECT_EQ(read_file(entry.path()).find(kKey), std::string::npos) << entry.path();
  }
  EXPECT_EQ(r.out.find(kKey), std::string::npos);
  EXPECT_EQ(r.err.find(kKey), std::string::npos);

  // The fallbacks after faults that may pass are marked to be retried; a refusal and a low score are final.
  const std::set<std::string> transient{"malformed", "error", "slow", "drop"};
  for (const char* c : kCases) {
    auto row = (*m)->result(std::string(c) + ".png", "caption");
    ASSERT_TRUE(row.ok() && *row) << c;
    EXPECT_EQ((*row)->retry, transient.count(c) ? 1 : 0) << c;
  }
  // --accept-fallbacks keeps them: the re-run asks the server nothing.
  size_t asked = server.requests().size();
  std::vector<std::string> accepting = args;
  accepting.push_back("--accept-fallbacks");
  CliResult kept = run_cli(accepting, {std::string("TAGFORGE_E2E_LLM_KEY=") + kKey});
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_EQ(server.requests().size(), asked);
  // A plain re-run asks again for those four only; the rest come from the manifest.
  CliResult again = run_cli(args, {std::string("TAGFORGE_E2E_LLM_KEY=") + kKey});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  std::set<std::string> asked_again;
  for (size_t k = asked; k < server.requests().size(); ++k) {
    const std::string p = prompt_of(server.requests()[k]);
    for (const char* c : kCases) {
      if (p.find(std::string("case ") + c) != std::string::npos) asked_again.insert(c);
    }
  }
  EXPECT_EQ(asked_again, transient);
  EXPECT_NE(again.err.find("4 fell back after a transient fault"), std::string::npos) << again.err;
  for (const std::string& c : transient) EXPECT_EQ((*(*m)->result(c + ".png", "caption"))->retry, 2) << c;
}

TEST(RunLlm, FallbacksAfterTransientFaultsAreRetriedByTheNextRun) {
  std::atomic<bool> healthy{false};
  FakeLlmServer server([&](const FakeRequest& r, int) {
    const std::string p = prompt_of(r);
    if (p.rfind("Rewrite this image caption", 0) == 0) {
      const size_t at = p.find("Caption: ");
      return FakeReply::answer(json{{"caption", p.substr(at + 9, p.find('\n', at) - at - 9)}}.dump());
    }
    const bool troubled = p.find("case error") != std::string::npos || p.find("case malformed") != std::string::npos;
    if (troubled && !healthy) {
      if (p.find("case error") != std::string::npos) return FakeReply::failing(503);
      FakeReply f;
      f.raw_body = "<html>502 Bad Gateway</html>";  // a proxy's page: not a chat completion
      return f;
    }
    return FakeReply::answer(json{{"caption", draft_in(p)}}.dump());
  });
  const fs::path in = llm_input("llm-retry-in");
  const fs::path out = fresh_dir("llm-retry-out");
  const fs::path config = fresh_dir("llm-retry-config") / "tagforge.toml";
  write_file(config, config_for(server));
  const std::vector<std::string> args{"run", in.string(), "--out", out.string(), "--config", config.string(), "--json"};
  const std::vector<std::string> env{std::string("TAGFORGE_E2E_LLM_KEY=") + kKey};

  CliResult first = run_cli(args, env);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  json s = json::parse(first.out);
  EXPECT_EQ(s["fell_back"], 2) << first.out;
  EXPECT_EQ(s["complete"], std::size(kCases) - 2) << first.out;
  EXPECT_EQ(s["stages"]["caption"]["fell_back"], 2) << first.out;
  const std::string report = read_file(out / "report.html");
  EXPECT_NE(report.find("fell back, will retry"), std::string::npos);

  healthy = true;
  const size_t asked = server.requests().size();
  CliResult second = run_cli(args, env);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  s = json::parse(second.out);
  EXPECT_EQ(s["fell_back"], 0) << second.out;
  EXPECT_EQ(s["complete"], std::size(kCases)) << second.out;
  EXPECT_EQ(s["stages"]["caption"]["computed"], 2) << second.out;
  EXPECT_EQ(s["stages"]["score"]["computed"], 2) << "the new captions are scored: " << second.out;
  // Only the two were sent again (each: its caption, then the rewrite).
  EXPECT_EQ(server.requests().size(), asked + 4);
  for (size_t k = asked; k < server.requests().size(); ++k) {
    const std::string p = prompt_of(server.requests()[k]);
    EXPECT_TRUE(p.find("case error") != std::string::npos || p.find("case malformed") != std::string::npos ||
                p.rfind("Rewrite this image caption", 0) == 0)
        << p;
  }
  auto m = Manifest::open(out / ".tagforge" / "manifest.sqlite");
  ASSERT_TRUE(m.ok());
  for (const char* c : kCases) {
    SCOPED_TRACE(c);
    const json row = caption_row(**m, std::string(c) + ".png");
    EXPECT_EQ(row["source"], "llm") << row.dump();
    EXPECT_EQ((*(*m)->result(std::string(c) + ".png", "caption"))->retry, 0);
  }
  // Settled: a third run sends nothing.
  const size_t settled = server.requests().size();
  CliResult third = run_cli(args, env);
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_EQ(server.requests().size(), settled);
}

TEST(RunLlm, TheNsfwScoreRoutesEachItemToItsEndpoint) {
  const fs::path nsfw = TAGFORGE_NSFW_DIR;
  ASSERT_TRUE(fs::exists(nsfw / "model.onnx")) << "run scripts/fetch_nsfw.sh (scripts/setup.sh does)";
  auto good = [](const FakeRequest& r, int) {
    const std::string p = prompt_of(r);
    return FakeReply::answer(json{{"caption", p.rfind("Rewrite", 0) == 0 ? p.substr(p.find("Caption: ") + 9)
                                                                           : draft_in(p)}}
                                 .dump());
  };
  FakeLlmServer local(good), remote(good);
  const fs::path in = llm_input("llm-route-in");
  const fs::path config = fresh_dir("llm-route-config") / "tagforge.toml";
  auto run_with = [&](double threshold) {
    write_file(config, fmt::format("[run]\nsort = false\n[models]\nnsfw = \"{}\"\n[caption.llm]\nnsfw_threshold = {}\n"
                                   "[caption.llm.local]\nbase_url = \"{}\"\n[caption.llm.remote]\nbase_url = \"{}\"\n",
                                   nsfw.string(), threshold, local.base_url(), remote.base_url()));
    const fs::path out = fresh_dir("llm-route-out");
    return run_cli({"run", in.string(), "--out", out.string(), "--config", config.string()});
  };
  // Every score is at least 0: everything counts as NSFW and stays local.
  CliResult all_local = run_with(0.0);
  ASSERT_EQ(all_local.exit_code, 0) << all_local.err;
  EXPECT_EQ(local.requests().size(), 2 * std::size(kCases));  // the caption and its rewrite
  EXPECT_EQ(remote.requests().size(), 0u);
  // No score reaches 1: everything is safe and goes to the remote endpoint.
  CliResult all_remote = run_with(1.0);
  ASSERT_EQ(all_remote.exit_code, 0) << all_remote.err;
  EXPECT_EQ(local.requests().size(), 2 * std::size(kCases));
  EXPECT_EQ(remote.requests().size(), 2 * std::size(kCases));
}

TEST(RunLlm, AMissingKeyTurnsOnlyTheLlmOff) {
  FakeLlmServer server([](const FakeRequest&, int) { return FakeReply::answer(R"({"caption": "A girl."})"); });
  const fs::path in = llm_input("llm-nokey-in");
  const fs::path out = fresh_dir("llm-nokey-out");
  const fs::path config = fresh_dir("llm-nokey-config") / "tagforge.toml";
  write_file(config, config_for(server));
  CliResult r = run_cli({"run", in.string(), "--out", out.string(), "--config", config.string()},
                        {"TAGFORGE_E2E_LLM_KEY="});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // said, and the rest done
  EXPECT_NE(r.err.find("TAGFORGE_E2E_LLM_KEY is not set"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("LLM captions are off"), std::string::npos) << r.err;
  EXPECT_TRUE(server.requests().empty());
  EXPECT_FALSE(read_file(out / "good.caption").empty());
}

}  // namespace
}  // namespace tagforge::e2e
