// The .aseg file: every detection of one image, one per line, in plain text
// beside the image (a.png -> a.aseg). Specified in docs/ASEG.md; writing and
// then reading a file gives back exactly the same data.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tagforge/detection.h"
#include "tagforge/error.h"

namespace tagforge {

struct AsegEntry {
  Detection detection;
  float area_share = 0;  // box area / image area
  int owner = -1;        // index of the person entry this part belongs to; -1: none
};

// A subject mask made for the image (tagforge segment), summarised.
struct AsegMask {
  std::string model;  // the segmenter's name
  std::string label;  // "subject"
  float area_share = 0;  // mask pixels >= 128 / image pixels
  Box box;               // their bounding box; all zero when the mask is empty
  std::string file;      // the mask PNG, relative to the .aseg's folder; empty: not written
};

// A tag held against the pixels (tagforge check), and what was done.
struct AsegCheck {
  std::string what;      // "hair_colour", "count"
  std::string tag;       // the tag checked, e.g. "blonde_hair"; empty: none
  std::string measured;  // what the pixels say, e.g. "brown (L 40.1 a 12.0 b 25.3)" or "2 persons"
  std::string verdict;   // "agrees", "close", "contradicts"
  std::string action;    // "none", "flagged", "replaced by brown_hair"
};

struct Aseg {
  int image_width = 0, image_height = 0;
  std::vector<AsegMask> masks;
  std::vector<AsegCheck> checks;
  std::vector<AsegEntry> entries;
};

// Persons first (by score), then the other detections (by score); area
// shares computed; each non-person box owned by the person box that holds
// the most of it, when that is more than half of it.
Aseg make_aseg(int image_width, int image_height, std::vector<Detection> detections);

// The highest-scoring detection with this label, or null.
const AsegEntry* best_detection(const Aseg& aseg, std::string_view label);

std::string format_aseg(const Aseg& aseg);
// Errors name `origin` and the line.
Result<Aseg> parse_aseg(std::string_view text, const std::filesystem::path& origin);

// Reads and parses an .aseg file; errors name it (unreadable, damaged).
Result<Aseg> read_aseg_file(const std::filesystem::path& file);

// The .aseg path of an image: the extension replaced ("a.png" -> "a.aseg").
std::filesystem::path aseg_path_for(const std::filesystem::path& image);

}  // namespace tagforge
