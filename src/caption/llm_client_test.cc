// The OpenAI-compatible client against the scripted test server: the request
// as sent, and every fault a real server has.
#include "caption/llm_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "fake_llm_server.h"

namespace tagforge {
namespace {

using testing::FakeLlmServer;
using testing::FakeReply;
using testing::FakeRequest;

LlmEndpoint endpoint_of(const FakeLlmServer& server) {
  LlmEndpoint e;
  e.base_url = server.base_url();
  e.model = "joycaption";
  e.timeout_s = 5;
  e.backoff_s = 0.01;
  e.max_retries = 3;
  return e;
}

ChatRequest caption_request() {
  ChatRequest r;
  r.system = "You caption images.";
  r.prompt = "Describe the image.";
  r.image_jpeg = std::string("\xff\xd8\xff\xe0 not really a jpeg", 22);
  r.seed = 42;
  r.schema_json = R"({"type":"object","properties":{"caption":{"type":"string"}},"required":["caption"]})";
  return r;
}

TEST(LlmClient, SendsTheRequestOpenAiServersExpectAndReadsTheAnswer) {
  FakeLlmServer server([](const FakeRequest&, int) { return FakeReply::answer(R"({"caption":"A girl smiles."})"); });
  ::setenv("TAGFORGE_TEST_LLM_KEY", "sk-test-123", 1);
  LlmEndpoint e = endpoint_of(server);
  e.api_key_env = "TAGFORGE_TEST_LLM_KEY";
  auto client = LlmClient::open(e);
  ASSERT_TRUE(client.ok()) << client.error().to_string();
  auto answer = (*client)->chat(caption_request());
  ASSERT_TRUE(answer.ok()) << answer.error().to_string();
  EXPECT_EQ(answer->text, R"({"caption":"A girl smiles."})");
  EXPECT_EQ(answer->finish_reason, "stop");
  EXPECT_EQ(answer->attempts, 1);
  EXPECT_FALSE(answer->refused);

  const auto got = server.requests();
  ASSERT_EQ(got.size(), 1u);
  const nlohmann::json& body = got[0].body;
  EXPECT_EQ(got[0].authorization, "Bearer sk-test-123");
  EXPECT_EQ(body["model"], "joycaption");
  EXPECT_EQ(body["seed"], 42);
  ASSERT_EQ(body["messages"].size(), 2u);
  EXPECT_EQ(body["messages"][0]["role"], "system");
  const nlohmann::json& parts = body["messages"][1]["content"];
  EXPECT_EQ(parts[0]["text"], "Describe the image.");
  EXPECT_EQ(parts[1]["image_url"]["url"].get<std::string>().rfind("data:image/jpeg;base64,/9j/4", 0), 0u);
  EXPECT_EQ(body["response_format"]["type"], "json_schema");
  EXPECT_EQ(body["response_format"]["json_schema"]["schema"]["required"][0], "caption");
}

TEST(LlmClient, RetriesServerErrorsAndRateLimitsHonouringRetryAfter) {
  FakeLlmServer server([](const FakeRequest&, int n) {
    if (n == 0) return FakeReply::failing(500);
    if (n == 1) {
      FakeReply r = FakeReply::failing(429);
      r.headers["Retry-After"] = "1";
      return r;
    }
    return FakeReply::answer("A girl.");
  });
  auto client = LlmClient::open(endpoint_of(server));
  ASSERT_TRUE(client.ok());
  const auto t0 = std::chrono::steady_clock::now();
  auto answer = (*client)->chat(caption_request());
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(answer.ok()) << answer.error().to_string();
  EXPECT_EQ(answer->text, "A girl.");
  EXPECT_EQ(answer->attempts, 3);
  EXPECT_GE(took, 0.95) << "Retry-After: 1 was not waited for";
  EXPECT_LT(took, 3.0);
}

TEST(LlmClient, GivesUpAfterItsRetriesAndNeverShowsTheKey) {
  ::setenv("TAGFORGE_TEST_LLM_KEY", "sk-secret-999", 1);
  FakeLlmServer server([](const FakeRequest& req, int) {
    FakeReply r = FakeReply::failing(503);
    r.raw_body = "upstream down; you sent " + req.authorization;  // a server that echoes the key
    return r;
  });
  LlmEndpoint e = endpoint_of(server);
  e.api_key_env = "TAGFORGE_TEST_LLM_KEY";
  e.max_retries = 2;
  auto client = LlmClient::open(e);
  ASSERT_TRUE(client.ok());
  auto answer = (*client)->chat(caption_request());
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(server.requests().size(), 3u);
  const std::string m = answer.error().message;
  EXPECT_NE(m.find("server error after 3 attempts"), std::string::npos) << m;
  EXPECT_NE(m.find("HTTP 503"), std::string::npos) << m;
  EXPECT_EQ(m.find("sk-secret-999"), std::string::npos) << m;
  EXPECT_NE(m.find("[api key]"), std::string::npos) << m;
}

TEST(LlmClient, ASlowAnswerTimesOutAndADroppedConnectionIsRetried) {
  FakeLlmServer slow([](const FakeRequest&, int) {
    FakeReply r = FakeReply::answer("late");
    r.delay_s = 1.5;
    return r;
  });
  LlmEndpoint e = endpoint_of(slow);
  e.timeout_s = 0.4;
  e.max_retries = 0;
  auto client = LlmClient::open(e);
  ASSERT_TRUE(client.ok());
  auto answer = (*client)->chat(caption_request());
  ASSERT_FALSE(answer.ok());
  EXPECT_NE(answer.error().message.find("timed out after 1 attempt"), std::string::npos) << answer.error().message;

  FakeLlmServer dropping([](const FakeRequest&, int n) {
    FakeReply r = FakeReply::answer("A girl.");
    r.drop = n == 0;
    return r;
  });
  auto again = LlmClient::open(endpoint_of(dropping));
  ASSERT_TRUE(again.ok());
  auto recovered = (*again)->chat(caption_request());
  ASSERT_TRUE(recovered.ok()) << recovered.error().to_string();
  EXPECT_EQ(recovered->attempts, 2);

  FakeLlmServer always_drops([](const FakeRequest&, int) {
    FakeReply r;
    r.drop = true;
    return r;
  });
  LlmEndpoint d = endpoint_of(always_drops);
  d.max_retries = 1;
  auto dropped = LlmClient::open(d);
  ASSERT_TRUE(dropped.ok());
  auto failed = (*dropped)->chat(caption_request());
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("connection failed or closed after 2 attempts"), std::string::npos)
      << failed.error().message;
}

TEST(LlmClient, AMalformedBodyIsAskedAgainLikeAServerError) {
  FakeLlmServer server([](const FakeRequest&, int) {
    FakeReply r;
    r.raw_body = "{\"choices\": [ {\"mess";
    return r;
  });
  auto client = LlmClient::open(endpoint_of(server));
  ASSERT_TRUE(client.ok());
  auto answer = (*client)->chat(caption_request());
  ASSERT_FALSE(answer.ok());
  EXPECT_NE(answer.error().message.find("not a chat completion after 4 attempts"), std::string::npos)
      << answer.error().message;
  EXPECT_EQ(answer.error().code, ErrorCode::kIo) << "a failure that may pass";
  EXPECT_EQ(server.requests().size(), 4u);  // the first try and max_retries = 3
}

TEST(LlmClient, ARequestTheServerRejectsIsNotAskedAgain) {
  FakeLlmServer server([](const FakeRequest&, int) { return FakeReply::failing(404); });
  auto client = LlmClient::open(endpoint_of(server));
  ASSERT_TRUE(client.ok());
  auto answer = (*client)->chat(caption_request());
  ASSERT_FALSE(answer.ok());
  EXPECT_NE(answer.error().message.find("request refused by the server after 1 attempt"), std::string::npos)
      << answer.error().message;
  EXPECT_EQ(answer.error().code, ErrorCode::kInvalidInput) << "asking later gives the same";
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(LlmClient, RefusalsAreMarked) {
  FakeLlmServer server([](const FakeRequest&, int n) {
    if (n == 0) return FakeReply::answer("I\xe2\x80\x99m sorry, but I can\xe2\x80\x99t help with that.");
    FakeReply r;
    r.refusal = "This request is against the policy.";
    return r;
  });
  auto client = LlmClient::open(endpoint_of(server));
  ASSERT_TRUE(client.ok());
  auto first = (*client)->chat(caption_request());
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->refused);
  auto second = (*client)->chat(caption_request());
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->refused);
  EXPECT_EQ(second->text, "");
}

TEST(LlmClient, AServerWithoutJsonSchemaIsAskedAgainWithoutIt) {
  FakeLlmServer server([](const FakeRequest& req, int) {
    if (req.body.contains("response_format")) return FakeReply::failing(400);
    return FakeReply::answer("Sure! {\"caption\": \"A girl.\"}");
  });
  auto client = LlmClient::open(endpoint_of(server));
  ASSERT_TRUE(client.ok());
  auto answer = (*client)->chat(caption_request());
  ASSERT_TRUE(answer.ok()) << answer.error().to_string();
  EXPECT_FALSE((*client)->schema_supported());
  EXPECT_EQ(extract_json_object(answer->text), std::optional<std::string>("{\"caption\": \"A girl.\"}"));
  auto next = (*client)->chat(caption_request());  // remembered: asked without it at once
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(LlmClient, RequestsToOneEndpointStayWithinItsLimit) {
  FakeLlmServer server([](const FakeRequest&, int) {
    FakeReply r = FakeReply::answer("A girl.");
    r.delay_s = 0.1;
    return r;
  });
  LlmEndpoint e = endpoint_of(server);
  e.max_concurrent = 2;
  auto client = LlmClient::open(e);
  ASSERT_TRUE(client.ok());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] { ok += (*client)->chat(caption_request()).ok(); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 6);
  EXPECT_EQ(server.max_in_flight(), 2);
}

LlmEndpoint at(std::string url, std::string key_env = "") {
  LlmEndpoint e;
  e.base_url = std::move(url);
  e.model = "m";
  e.api_key_env = std::move(key_env);
  return e;
}

TEST(LlmClient, OpenRefusesBadUrlsAndMissingKeys) {
  EXPECT_FALSE(LlmClient::open(at("ftp://host/v1")).ok());
  EXPECT_FALSE(LlmClient::open(at("http:///v1")).ok());
  ::unsetenv("TAGFORGE_TEST_NO_SUCH_KEY");
  auto missing = LlmClient::open(at("https://api.openai.com/v1", "TAGFORGE_TEST_NO_SUCH_KEY"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("TAGFORGE_TEST_NO_SUCH_KEY is not set"), std::string::npos);
  EXPECT_TRUE(LlmClient::open(at("https://api.openai.com/v1/")).ok());
}

TEST(LlmText, JsonIsFoundInFencesAndProse) {
  EXPECT_EQ(extract_json_object("```json\n{\"caption\": \"a {b}\"}\n```"), "{\"caption\": \"a {b}\"}");
  EXPECT_EQ(extract_json_object("Here: {not json} then {\"a\": 1} done"), "{\"a\": 1}");
  EXPECT_EQ(extract_json_object("{\"a\": \"\\\"}\"}"), "{\"a\": \"\\\"}\"}");
  EXPECT_EQ(extract_json_object("no object"), std::nullopt);
  EXPECT_EQ(extract_json_object("{\"a\": 1"), std::nullopt);
}

TEST(LlmText, RefusalsAreToldFromCaptions) {
  EXPECT_TRUE(looks_like_refusal("I can't help with that."));
  EXPECT_TRUE(looks_like_refusal("  \"I'm sorry, but I cannot describe this image.\""));
  EXPECT_FALSE(looks_like_refusal("A girl who can't help smiling stands in the rain."));
  EXPECT_FALSE(looks_like_refusal(""));
}

}  // namespace
}  // namespace tagforge
