// Minimal, structurally valid files of every format tagforge sniffs, built in
// code so no binary fixture is committed. Each is small (tens of bytes) but
// passes the scanner's completeness checks; cutting one short makes it fail.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace tagforge::testing {

std::string jpeg_bytes(uint32_t seed = 0);
std::string png_bytes(uint32_t seed = 0);
std::string apng_bytes();
std::string gif_bytes(int frames);  // 1: still, 2+: animated
std::string webp_bytes(bool animated);
std::string bmp_bytes();
std::string avif_bytes();
std::string heif_bytes();
std::string jxl_bytes();
std::string mp4_bytes();
std::string mov_bytes();
std::string webm_bytes();
std::string mkv_bytes();
std::string avi_bytes();

// Writes bytes to a file, creating parent folders. Throws on failure (tests only).
void write_file(const std::filesystem::path& path, const std::string& bytes);
std::string read_file(const std::filesystem::path& path);

// An empty folder under the system temp dir, unique to this process and
// `name`; emptied first if a previous run left it. Returned canonical.
std::filesystem::path fresh_temp_dir(const std::string& name);

// A tree with every class the sorter knows, for demos and end-to-end tests:
// tagged and untagged images, captions, GIFs and their extracted frames,
// videos, unknown and broken files, subfolders and awkward names.
// `scale` multiplies the number of plain images. Returns files written.
size_t write_example_tree(const std::filesystem::path& root, int scale, bool awkward_names);

}  // namespace tagforge::testing
