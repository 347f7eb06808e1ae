// The scratch database: items read back in path order as rows, and the plan's
// destinations looked up in one ordered pass.
#include <gtest/gtest.h>

#include "media_fixtures.h"
#include "pipeline/scratch.h"

namespace tagforge {
namespace {

TEST(Scratch, ItemRowsComeInBytewisePathOrder) {
  auto s = Scratch::open(testing::fresh_temp_dir("scratch-items") / "s.sqlite");
  ASSERT_TRUE(s.ok());
  for (const char* path : {"b/2.png", "a10.png", "B.png", "a2.png"}) {
    ItemState it;
    it.item = ManifestItem{path, std::string("hash ") + path, "1:2:3", "image", "", ""};
    ASSERT_TRUE((*s)->add_item(it).ok());
  }
  std::vector<std::string> seen;
  ASSERT_TRUE((*s)->for_each_item_row([&](const ManifestItem& item) -> Status {
                     EXPECT_EQ(item.hash, "hash " + item.path);
                     EXPECT_EQ(item.kind, "image");
                     seen.push_back(item.path);
                     return ok_status();
                   }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"B.png", "a10.png", "a2.png", "b/2.png"}));
}

TEST(Scratch, PlannedInOrderAnswersAsALookupWould) {
  auto s = Scratch::open(testing::fresh_temp_dir("scratch-planned") / "s.sqlite");
  ASSERT_TRUE(s.ok());
  for (const char* dst : {"images_1/a.png", "images_1/a.txt", "images_10/c.png", "images_2/b.png"}) {
    ASSERT_TRUE((*s)->add_planned(std::string("work/") + dst, dst, true).ok());
  }
  Scratch::PlannedInOrder planned(**s);
  // Asked in bytewise order, some planned, some not, before, between and after the plan's.
  const std::vector<std::pair<std::string, bool>> asked{
      {"duplicates_1/x.png", false}, {"images_1/a.png", true},  {"images_1/a.png.tmp", false},
      {"images_1/a.txt", true},      {"images_10/c.png", true}, {"images_1x", false},
      {"images_2/b.png", true},      {"images_3/z.png", false}};
  for (const auto& [dst, want] : asked) {
    auto got = planned.has(dst);
    ASSERT_TRUE(got.ok()) << dst;
    EXPECT_EQ(*got, want) << dst;
  }
}

}  // namespace
}  // namespace tagforge
