// A folder of copies made from the test media, for the dedupe tests (the
// `dedupe` command's and the run's): three copies of one picture (a byte copy
// in another folder, a tagged one, a half-size JPEG re-encode at quality 60)
// beside two other pictures.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>

#include "media/decode.h"
#include "media/encode.h"
#include "media/resample.h"
#include "media_fixtures.h"

namespace tagforge::e2e {

// club.jpg, b/club copy.jpg, c/club tagged.jpg (+ .txt), club small.jpg, meadow.jpg, uni.jpg.
inline void write_copies(const std::filesystem::path& root) {
  using tagforge::testing::read_file;
  using tagforge::testing::write_file;
  const std::filesystem::path media = TAGFORGE_TEST_MEDIA_DIR;
  const std::string club = read_file(media / "bg club.jpg");
  write_file(root / "club.jpg", club);
  write_file(root / "b" / "club copy.jpg", club);
  write_file(root / "c" / "club tagged.jpg", club);
  write_file(root / "c" / "club tagged.txt", "indoors, no_humans\n");
  auto decoded = decode_image(media / "bg club.jpg");
  ASSERT_TRUE(decoded.ok());
  const Image8 half = resize_bicubic_like_pil(decoded->image, decoded->image.width / 2, decoded->image.height / 2);
  auto small = encode_image(half, "jpg", 60, "club small.jpg");
  ASSERT_TRUE(small.ok());
  write_file(root / "club small.jpg", *small);
  write_file(root / "meadow.jpg", read_file(media / "bg meadow.jpg"));
  write_file(root / "uni.jpg", read_file(media / "bg uni.jpg"));
}

}  // namespace tagforge::e2e
