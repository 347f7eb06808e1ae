#include "dedupe/expressions.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <utility>

namespace tagforge {
namespace {

Expression of(std::initializer_list<std::pair<const char*, float>> tags) {
  Expression e;
  for (const auto& [tag, p] : tags) e.add(tag, p);
  return e;
}

TEST(Expressions, TagsAreReadAsTaggersNameThem) {
  EXPECT_NE(expression_bit("smile"), 0u);
  EXPECT_EQ(expression_bit("Open Mouth"), expression_bit("open_mouth"));
  EXPECT_NE(expression_bit(":d"), 0u);
  EXPECT_EQ(expression_bit(":D"), expression_bit(":d")) << "case is ignored, as the tag database does";
  EXPECT_EQ(expression_bit(" smile\r"), expression_bit("smile")) << "a list's entry as split";
  EXPECT_EQ(expression_bit("1girl"), 0u);
  EXPECT_EQ(expression_bit("long_hair"), 0u);
  EXPECT_EQ(expression_bit(""), 0u);
  EXPECT_NE(expression_bit("smile"), expression_bit("grin"));
}

TEST(Expressions, OnlyASureTagTheOtherLacksIsADifference) {
  const Expression smiling = of({{"1girl", 0.99f}, {"smile", 0.92f}});
  EXPECT_FALSE(different_expressions(smiling, of({{"1girl", 0.98f}, {"smile", 0.90f}})));
  EXPECT_FALSE(different_expressions(smiling, of({{"1girl", 0.98f}, {"smile", 0.40f}})))
      << "the re-encode's smile is weaker but there";
  EXPECT_TRUE(different_expressions(smiling, of({{"1girl", 0.98f}, {"closed_mouth", 0.85f}})));
  EXPECT_TRUE(different_expressions(of({{"1girl", 0.98f}}), smiling)) << "either way round";
  EXPECT_FALSE(different_expressions(of({{"1girl", 0.98f}, {"smile", 0.45f}}), of({{"1girl", 0.98f}})))
      << "an unsure smile against none: a score that moved, not a face";
  EXPECT_FALSE(different_expressions(of({{"1girl", 1}, {"hat", 1}}), of({{"1girl", 1}})))
      << "a difference elsewhere is the pixels' to judge";
}

TEST(Expressions, UnknownOnEitherSideIsNoDifference) {
  const Expression smiling = of({{"smile", 1}});
  EXPECT_FALSE(different_expressions(smiling, Expression{}));
  EXPECT_FALSE(different_expressions(Expression{}, smiling));
  EXPECT_TRUE(of({{"1girl", 1}}).known) << "a picture with tags but no expression tag is known to show none";
}

}  // namespace
}  // namespace tagforge
