// An image cut into an N×N grid of overlapping tiles for stage 2 of the LLM
// caption: each tile reaches `overlap` of a cell's side into its neighbours
// (so nothing on a cell's border is cut in two everywhere), and a band of
// `blur` of the tile's side along each inner edge is blurred, so that a model
// describing the tile dwells on its middle, not on what the cut slices off.
// Edges that are the image's own edges stay sharp.
#pragma once

#include <string>
#include <vector>

#include "media/resample.h"
#include "tagforge/detection.h"

namespace tagforge {

struct TileOptions {
  int grid = 2;          // tiles per side
  double overlap = 0.1;  // of a cell's side, on each inner edge
  double blur = 0.05;    // of the tile's side, on each inner edge; 0: none
};

struct Tile {
  int row = 0, col = 0;
  Box box;               // in the image's pixels
  Image8 image;          // the crop, its inner borders blurred
  std::string position;  // "upper left", "centre", …
};

// REQUIRES: options.grid >= 1; the image is not empty.
std::vector<Tile> make_tiles(const Image8& image, const TileOptions& options);

// Where a cell lies, in words: 2×2 "upper left" … "lower right"; 3×3 adds
// "upper middle", "middle left", "centre", …; larger grids "row R, column C".
std::string tile_position(int row, int col, int grid);

// The box among `owners` that covers the most of `tile` (at least a quarter
// of it); -1 for none.
int owner_of(const Box& tile, const std::vector<Box>& owners);

}  // namespace tagforge
