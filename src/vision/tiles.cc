#include "vision/tiles.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace tagforge {

std::string tile_position(int row, int col, int grid) {
  if (grid == 2) return std::string(row == 0 ? "upper" : "lower") + (col == 0 ? " left" : " right");
  if (grid == 3) {
    static const char* kRows[] = {"upper", "middle", "lower"};
    static const char* kCols[] = {"left", "middle", "right"};
    if (row == 1 && col == 1) return "centre";
    return std::string(kRows[row]) + " " + kCols[col];
  }
  return "row " + std::to_string(row + 1) + ", column " + std::to_string(col + 1);
}

std::vector<Tile> make_tiles(const Image8& image, const TileOptions& o) {
  std::vector<Tile> out;
  const int n = std::max(1, o.grid);
  const double cw = double(image.width) / n, ch = double(image.height) / n;
  const int type = CV_8UC(image.channels);
  const cv::Mat whole(image.height, image.width, type, const_cast<uint8_t*>(image.pixels.data()));
  for (int r = 0; r < n; ++r) {
    for (int c = 0; c < n; ++c) {
      const int x0 = std::max(0, int(std::lround((c - (c > 0 ? o.overlap : 0)) * cw)));
      const int y0 = std::max(0, int(std::lround((r - (r > 0 ? o.overlap : 0)) * ch)));
      const int x1 = std::min(image.width, int(std::lround((c + 1 + (c + 1 < n ? o.overlap : 0)) * cw)));
      const int y1 = std::min(image.height, int(std::lround((r + 1 + (r + 1 < n ? o.overlap : 0)) * ch)));
      Tile t;
      t.row = r;
      t.col = c;
      t.box = Box{float(x0), float(y0), float(x1), float(y1)};
      t.position = tile_position(r, c, n);
      t.image.width = std::max(1, x1 - x0);
      t.image.height = std::max(1, y1 - y0);
      t.image.channels = image.channels;
      t.image.pixels.resize(size_t(t.image.width) * t.image.height * image.channels);
      cv::Mat tile(t.image.height, t.image.width, type, t.image.pixels.data());
      whole(cv::Rect(x0, y0, t.image.width, t.image.height)).copyTo(tile);
      if (o.blur > 0) {
        const int bw = std::max(1, int(o.blur * t.image.width)), bh = std::max(1, int(o.blur * t.image.height));
        cv::Mat blurred;
        const int k = 2 * std::max(1, std::min(bw, bh)) + 1;
        cv::GaussianBlur(tile, blurred, cv::Size(k, k), 0);
        // Inner edges only: an edge of the image itself is no cut.
        if (c > 0) blurred(cv::Rect(0, 0, bw, t.image.height)).copyTo(tile(cv::Rect(0, 0, bw, t.image.height)));
        if (c + 1 < n) {
          const cv::Rect band(t.image.width - bw, 0, bw, t.image.height);
          blurred(band).copyTo(tile(band));
        }
        if (r > 0) blurred(cv::Rect(0, 0, t.image.width, bh)).copyTo(tile(cv::Rect(0, 0, t.image.width, bh)));
        if (r + 1 < n) {
          const cv::Rect band(0, t.image.height - bh, t.image.width, bh);
          blurred(band).copyTo(tile(band));
        }
      }
      out.push_back(std::move(t));
    }
  }
  return out;
}

int owner_of(const Box& tile, const std::vector<Box>& owners) {
  int best = -1;
  float most = 0.25f * tile.area();
  for (size_t i = 0; i < owners.size(); ++i) {
    const float covered = intersection_area(tile, owners[i]);
    if (covered >= most) {
      most = covered;
      best = int(i);
    }
  }
  return best;
}

}  // namespace tagforge
