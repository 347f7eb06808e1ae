#include "core/json_peek.h"

#include <gtest/gtest.h>

namespace tagforge {
namespace {

TEST(JsonPeek, ReadsTopLevelMembersAndSkipsNestedOnes) {
  const std::string j =
      R"({"llm": {"overall": 0.1, "source": "x", "a": [1, {"b": "}]"}]}, "note": "say \"overall\": 2, {",)"
      R"( "overall" : 0.75 , "flagged":true, "tags":"a, b", "esc": "a\\b \"c\" \u00e9", "n": null})";
  EXPECT_EQ(peek_number(j, "overall"), 0.75);
  EXPECT_EQ(peek_bool(j, "flagged"), true);
  EXPECT_EQ(peek_string(j, "tags"), "a, b");
  EXPECT_EQ(peek_string(j, "esc"), "a\\b \"c\" \xc3\xa9");
  EXPECT_EQ(peek_member(j, "n"), "null");
  EXPECT_EQ(peek_member(j, "llm"), R"({"overall": 0.1, "source": "x", "a": [1, {"b": "}]"}]})");
  EXPECT_FALSE(peek_member(j, "source"));  // only nested
  EXPECT_FALSE(peek_number(j, "tags"));    // not a number
  EXPECT_FALSE(peek_string(j, "overall"));  // not a string
  EXPECT_FALSE(peek_bool(j, "n"));
}

TEST(JsonPeek, BrokenOrForeignTextReadsAsAbsent) {
  for (const char* text : {"", "[]", "{", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":\"x", "{\"a\":[1,2", "nope",
                           "{\"a\":1 \"b\":2}", "{,}", "{\"a\":{\"b\":1}"}) {
    EXPECT_FALSE(peek_member(text, "b")) << text;
  }
  EXPECT_EQ(peek_number("{\"a\":1 \"b\":2}", "a"), 1);  // what comes before the break still reads
  EXPECT_FALSE(peek_member("{}", "a"));
  EXPECT_FALSE(peek_number(R"({"a": 1x})", "a"));
  EXPECT_EQ(peek_number(R"({"a": -2.5e-3})", "a"), -2.5e-3);
}

}  // namespace
}  // namespace tagforge
