// Stage 2's tiles: where they lie, that only their inner edges are blurred,
// and which person's box owns one.
#include "vision/tiles.h"

#include <gtest/gtest.h>

#include <random>

namespace tagforge {
namespace {

Image8 noise(int w, int h) {
  Image8 im{w, h, 3, std::vector<uint8_t>(size_t(w) * h * 3)};
  std::mt19937 rng(5);
  for (uint8_t& p : im.pixels) p = uint8_t(rng());
  return im;
}

uint8_t at(const Image8& im, int x, int y, int ch = 0) { return im.pixels[(size_t(y) * im.width + x) * im.channels + ch]; }

TEST(Tiles, AGridOfOverlappingCellsNamedByPosition) {
  const Image8 im = noise(100, 80);
  const auto tiles = make_tiles(im, TileOptions{2, 0.1, 0.0});
  ASSERT_EQ(tiles.size(), 4u);
  EXPECT_EQ(tiles[0].box, (Box{0, 0, 55, 44}));
  EXPECT_EQ(tiles[1].box, (Box{45, 0, 100, 44}));
  EXPECT_EQ(tiles[2].box, (Box{0, 36, 55, 80}));
  EXPECT_EQ(tiles[3].box, (Box{45, 36, 100, 80}));
  EXPECT_EQ(tiles[0].position, "upper left");
  EXPECT_EQ(tiles[3].position, "lower right");
  EXPECT_EQ(tiles[3].image.width, 55);
  EXPECT_EQ(tiles[3].image.height, 44);
  // Without blur a tile is its crop, pixel for pixel.
  EXPECT_EQ(at(tiles[3].image, 0, 0), at(im, 45, 36));
  EXPECT_EQ(at(tiles[3].image, 54, 43, 2), at(im, 99, 79, 2));
  EXPECT_EQ(tile_position(1, 1, 3), "centre");
  EXPECT_EQ(tile_position(0, 1, 3), "upper middle");
  EXPECT_EQ(tile_position(3, 0, 4), "row 4, column 1");
}

TEST(Tiles, OnlyTheInnerEdgesAreBlurred) {
  const Image8 im = noise(200, 200);
  const auto tiles = make_tiles(im, TileOptions{2, 0.1, 0.1});
  const Tile& t = tiles[0];  // upper left: inner edges right and bottom
  int changed_outer = 0, changed_inner = 0, changed_middle = 0;
  for (int y = 0; y < t.image.height; ++y) {
    changed_outer += at(t.image, 0, y) != at(im, 0, y);        // the image's own left edge
    changed_inner += at(t.image, t.image.width - 1, y) != at(im, t.image.width - 1, y);
  }
  for (int x = 30; x < 70; ++x) changed_middle += at(t.image, x, 50) != at(im, x, 50);
  EXPECT_EQ(changed_middle, 0);
  EXPECT_GT(changed_inner, t.image.height / 2);
  // The left edge is blurred only where it meets the bottom band.
  EXPECT_LE(changed_outer, int(0.1 * t.image.height) + 1);
}

TEST(Tiles, APersonOwnsTheTileItCoversMost) {
  const Box tile{0, 0, 100, 100};
  EXPECT_EQ(owner_of(tile, {}), -1);
  EXPECT_EQ(owner_of(tile, {Box{90, 90, 200, 200}}), -1);           // 1 % of it
  EXPECT_EQ(owner_of(tile, {Box{0, 0, 60, 100}, Box{50, 0, 100, 100}}), 0);
  EXPECT_EQ(owner_of(tile, {Box{0, 0, 30, 100}, Box{40, 0, 100, 100}}), 1);
}

}  // namespace
}  // namespace tagforge
