// The run's dedupe pieces on their own: the phash stage's result reads back
// what was hashed and refuses what is malformed; set-aside rows group by keeper.
#include <gtest/gtest.h>

#include "media/decode.h"
#include "pipeline/dataset_dedupe.h"
#include "pipeline/perceptual_hash_result.h"

namespace tagforge {
namespace {

using json = nlohmann::ordered_json;

TEST(PerceptualHashResult, ReadsBackWhatWasHashedAndRefusesWhatIsMalformed) {
  auto d = decode_image(std::filesystem::path(TAGFORGE_TEST_MEDIA_DIR) / "bg club.jpg");
  ASSERT_TRUE(d.ok());
  GreyThumbnail thumb;
  const PerceptualHash hash = perceptual_hash(d->image, &thumb);
  const json data = json::parse(perceptual_hash_data(d->image));
  const auto back = parse_perceptual_hash_data(data);
  ASSERT_TRUE(back.has_value()) << data.dump();
  EXPECT_EQ(back->hash, hash);
  EXPECT_EQ(back->thumbnail.grey, thumb.grey);
  EXPECT_EQ(back->width, 1280);
  EXPECT_EQ(back->height, d->image.height);
  for (const char* key : {"dct", "centre_mirror", "thumbnail", "width"}) {
    json missing = data;
    missing.erase(key);
    EXPECT_FALSE(parse_perceptual_hash_data(missing)) << key;
  }
  json bad = data;
  bad["dct"] = "00000000000000zz";
  EXPECT_FALSE(parse_perceptual_hash_data(bad));
  bad = data;
  bad["thumbnail"] = "AAAA";  // three bytes, not 32x32
  EXPECT_FALSE(parse_perceptual_hash_data(bad));
  EXPECT_FALSE(parse_perceptual_hash_data(json::array()));
}

TEST(PerceptualHashResult, APeekReadsTheSizeAndHashesAParseReads) {
  auto d = decode_image(std::filesystem::path(TAGFORGE_TEST_MEDIA_DIR) / "bg club.jpg");
  ASSERT_TRUE(d.ok());
  const std::string text = perceptual_hash_data(d->image);
  const auto parsed = parse_perceptual_hash_data(json::parse(text));
  const auto peeked = peek_perceptual_hash_data(text);
  ASSERT_TRUE(parsed && peeked);
  EXPECT_EQ(peeked->hash, parsed->hash);
  EXPECT_EQ(peeked->width, parsed->width);
  EXPECT_EQ(peeked->height, parsed->height);
  for (const char* key : {"dct", "centre", "dct_mirror", "centre_mirror", "width", "height"}) {
    json missing = json::parse(text);
    missing.erase(key);
    EXPECT_FALSE(peek_perceptual_hash_data(missing.dump())) << key;
  }
  json bad = json::parse(text);
  bad["centre"] = "00000000000000zz";
  EXPECT_FALSE(peek_perceptual_hash_data(bad.dump()));
  bad = json::parse(text);
  bad["width"] = 12.5;
  EXPECT_FALSE(peek_perceptual_hash_data(bad.dump()));
  // Broken off inside a hash it reads (a cut after them all leaves what it reads whole).
  const size_t mirror = text.find("\"centre_mirror\"");
  ASSERT_NE(mirror, std::string::npos);
  EXPECT_FALSE(peek_perceptual_hash_data(text.substr(0, mirror + 20)));
  EXPECT_FALSE(peek_perceptual_hash_data("[]"));
}

TEST(DuplicateGroups, GroupByKeeperInPathOrder) {
  const std::vector<DuplicateRow> rows{{"z.jpg", "b.jpg", true}, {"c.jpg", "a.jpg", false, 2, 1},
                                       {"d.jpg", "b.jpg", false, 1, 0}};
  const auto groups = duplicate_groups(rows);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].keeper, "a.jpg");
  EXPECT_EQ(groups[0].members, std::vector<DuplicateRow>{rows[1]});
  EXPECT_EQ(groups[1].keeper, "b.jpg");
  EXPECT_EQ(groups[1].members, (std::vector<DuplicateRow>{rows[2], rows[0]}));
  EXPECT_TRUE(duplicate_groups({}).empty());
}

ItemState tagged(const char* user_tags, const char* tagger_general = nullptr) {
  ItemState it;
  it.existing_tags = user_tags;
  if (tagger_general) {
    it.results[kStageTagger].data = json{{"rating", json::object()}, {"general", json::parse(tagger_general)},
                                         {"character", json::object()}}.dump();
  }
  return it;
}

TEST(DifferentFaces, TheTaggersTagsOnBothElseTheUsersOnBoth) {
  const ItemState smiling = tagged("1girl, smile", R"({"1girl": 0.99, "smile": 0.9})");
  const ItemState plain = tagged("1girl, smile", R"({"1girl": 0.99, "closed_mouth": 0.8})");
  EXPECT_TRUE(different_faces(face_tags_of(smiling), face_tags_of(plain)))
      << "the tagger ran on both: its tags decide, not the user's alike ones";
  EXPECT_FALSE(different_faces(face_tags_of(smiling), face_tags_of(tagged("1girl, smile", R"({"smile": 0.5})"))));
  // No tagger: the user's own tags on both, else nothing is known.
  EXPECT_TRUE(different_faces(face_tags_of(tagged("1girl, smile")), face_tags_of(tagged(" 1girl,\n:o, surprised"))));
  EXPECT_FALSE(different_faces(face_tags_of(tagged("1girl, smile")), face_tags_of(tagged("1girl,  smile "))));
  EXPECT_FALSE(different_faces(face_tags_of(tagged("1girl, smile")), face_tags_of(tagged(""))));
  EXPECT_TRUE(different_faces(face_tags_of(tagged("1girl, smile", R"({"smile": 0.9})")), face_tags_of(tagged("1girl"))))
      << "the tagger on one only: the user's tags are compared";
}

}  // namespace
}  // namespace tagforge
