// GIFs and videos with known content for the frame-reading and extraction
// tests, made by tests/reference/make_clips.py (python3-pil and the ffmpeg
// CLI). See that script for what each clip holds.
#pragma once

#include <filesystem>

namespace tagforge::testing {

// Makes the clips in `out`. Throws if the script fails.
void make_test_clips(const std::filesystem::path& out);

// The clips, made once per process into a fresh temp folder (read only: a
// test that writes beside them makes its own with make_test_clips).
const std::filesystem::path& test_clips_dir();

}  // namespace tagforge::testing
