// The export's facts as the manifest keeps them: read back exactly, and
// anything that is not a whole encoding is refused, never misread.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "pipeline/export_facts.h"

namespace tagforge {
namespace {

ExportFacts awkward_facts() {
  ExportFacts f;
  f.complete = true;
  f.kohya_entry = R"({"caption":"a girl: 12:3\nlines","tags":"1girl, solo"})";
  f.hf_fields = R"("text":"a girl","tags":"1girl, solo","score":0.1,"flagged":false,"nsfw":0.30000000000000004)";
  f.overall = 1.0 / 3.0;
  f.flagged = true;
  f.tag_text = "1girl, 5:4, \xc3\xa9t\xc3\xa9, 10";
  f.nsfw = 0.30000000000000004;
  f.caption_source = "by the LLM";
  f.llm_outcome = "kept the tags' caption: timed out";
  f.llm_requests = 7;
  return f;
}

TEST(ExportFacts, ReadBackExactlyNumbersToTheLastBit) {
  const ExportFacts f = awkward_facts();
  const auto back = decode_export_facts(encode_export_facts(f));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, f);
  EXPECT_EQ(std::memcmp(&*back->overall, &*f.overall, sizeof(double)), 0);

  ExportFacts none;  // nothing scored, no caption, no NSFW: the empty fields stay empty
  const auto empty = decode_export_facts(encode_export_facts(none));
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(*empty, none);
  EXPECT_FALSE(empty->overall.has_value());
  EXPECT_FALSE(empty->nsfw.has_value());

  ExportFacts tiny;
  tiny.overall = 4.9406564584124654e-324;  // the smallest subnormal
  tiny.nsfw = 1.0;
  EXPECT_EQ(*decode_export_facts(encode_export_facts(tiny)), tiny);
}

TEST(ExportFacts, AnythingButAWholeEncodingIsRefused) {
  const std::string whole = encode_export_facts(awkward_facts());
  for (size_t n = 0; n < whole.size(); ++n) {
    EXPECT_FALSE(decode_export_facts(whole.substr(0, n)).has_value()) << "a prefix of " << n << " bytes";
  }
  EXPECT_FALSE(decode_export_facts(whole + "x").has_value());
  EXPECT_FALSE(decode_export_facts(whole + "0:").has_value());
  std::string bad_flag = whole;
  bad_flag[2] = '2';  // "1:1" -> "1:2": complete is neither 0 nor 1
  EXPECT_FALSE(decode_export_facts(bad_flag).has_value());
  EXPECT_FALSE(decode_export_facts("99999999999999999999999:x").has_value());
  EXPECT_FALSE(decode_export_facts("-1:").has_value());

  // Bytes at random, and the encoding with bytes flipped: refused or read, never a crash.
  std::mt19937 rng(20);
  for (int round = 0; round < 2000; ++round) {
    std::string s = round % 2 ? whole : std::string(size_t(rng() % 64), '\0');
    for (size_t k = 0; k < 1 + rng() % 4 && !s.empty(); ++k) s[rng() % s.size()] = char(rng() % 256);
    if (const auto f = decode_export_facts(s)) EXPECT_EQ(decode_export_facts(encode_export_facts(*f)), f);
  }
}

}  // namespace
}  // namespace tagforge
