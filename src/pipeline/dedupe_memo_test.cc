// The dedupe memo: what it says of each image of the next run, kept across a
// reopened manifest; a group with a member gone is judged again, whole.
#include "pipeline/dedupe_memo.h"

#include <gtest/gtest.h>

#include "dedupe/near_copies.h"
#include "media_fixtures.h"

namespace tagforge {
namespace {

namespace fs = std::filesystem;

TEST(DedupeMemo, TheNextRunKnowsWhatWasJudgedAndJudgesAgainWhatChanged) {
  const fs::path dir = testing::fresh_temp_dir("dedupe-memo");
  {
    auto m = Manifest::open(dir / "m.sqlite");
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    auto memo = DedupeMemo::load(**m, "settings A");
    ASSERT_TRUE(memo.ok());
    const std::vector<uint64_t> keys{10, 11, 12, 13, 14, 14};
    EXPECT_EQ(memo->earlier(keys), std::vector<uint32_t>(6, kNotJudged)) << "nothing judged yet";
    // Groups {10, 12}, {13, 14, 14}; 11 alone.
    ASSERT_TRUE(memo->save(**m, keys, {{0, 2}, {3, 4, 5}}).ok());
  }
  auto m = Manifest::open(dir / "m.sqlite");
  ASSERT_TRUE(m.ok());
  auto memo = DedupeMemo::load(**m, "settings A");
  ASSERT_TRUE(memo.ok());
  // The same images in another order, and a new one.
  auto got = memo->earlier(std::vector<uint64_t>{14, 12, 99, 11, 10, 13, 14});
  EXPECT_EQ(got[2], kNotJudged) << "new";
  EXPECT_EQ(got[3], kJudgedAlone);
  EXPECT_EQ(got[1], got[4]) << "one earlier group";
  EXPECT_EQ(got[0], got[5]);
  EXPECT_EQ(got[0], got[6]);
  EXPECT_NE(got[0], got[1]);
  EXPECT_LT(got[0], kJudgedAlone);

  // 12 gone: its group may fall apart, so 10 is judged again; the other group stands.
  got = memo->earlier(std::vector<uint64_t>{10, 11, 13, 14, 14});
  EXPECT_EQ(got[0], kNotJudged);
  EXPECT_EQ(got[1], kJudgedAlone);
  EXPECT_EQ(got[2], got[3]);
  EXPECT_LT(got[2], kJudgedAlone);
  // One of the two images keyed 14 gone (or a third come): both are judged again, and their group.
  for (const std::vector<uint64_t>& keys : {std::vector<uint64_t>{13, 14}, std::vector<uint64_t>{13, 14, 14, 14}}) {
    got = memo->earlier(keys);
    for (uint32_t l : got) EXPECT_EQ(l, kNotJudged);
  }

  // Other settings (a threshold changed): everything is new.
  auto other = DedupeMemo::load(**m, "settings B");
  ASSERT_TRUE(other.ok());
  got = other->earlier(std::vector<uint64_t>{10, 11, 12});
  for (uint32_t l : got) EXPECT_EQ(l, kNotJudged);
}

TEST(DedupeMemo, AMemoThatCannotBeReadIsNoMemo) {
  const fs::path dir = testing::fresh_temp_dir("dedupe-memo-bad");
  auto m = Manifest::open(dir / "m.sqlite");
  ASSERT_TRUE(m.ok());
  for (const char* text : {"settings A\n000000000000000a 0\n000000000000000b", "settings A\nzz 0\n",
                           "settings A\n000000000000000a x\n", "settings A\n000000000000000a 4294967295\n"}) {
    ASSERT_TRUE((*m)->put_meta("dedupe memo", text).ok());
    auto memo = DedupeMemo::load(**m, "settings A");
    ASSERT_TRUE(memo.ok());
    EXPECT_EQ(memo->earlier(std::vector<uint64_t>{10}), std::vector<uint32_t>{kNotJudged}) << text;
  }
}

}  // namespace
}  // namespace tagforge
