// Frames out of a GIF or video (issue 7): frame_selection.h decides which,
// from the frames' thumbnails as they are decoded; only the kept frames are
// converted, fitted to the resolution bounds and written as
//   OUT/<stem>_s<slice>_f<frame index>.<png|jpg|webp>
// each with a copy of the source's tag sidecar, and a report of slices, cut
// times, kept and pruned frames (and why) as JSON. When a slice's minimum or
// maximum can change earlier decisions, the kept frames are written in a
// second decoding pass instead of the first. Candidates pass the frame
// quality gate first (frame_quality.h): blurred, black and white moments are
// pruned with the reason, and bars are cropped.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "media/frame_quality.h"
#include "media/frame_selection.h"
#include "media/video_reader.h"
#include "tagforge/detection.h"
#include "tagforge/error.h"

namespace tagforge {

// What the models make of one candidate frame, for require_segments and
// crop_position (infer/frame_inspector.h builds one over the detectors and
// the segmenter).
struct FrameLook {
  std::string missing;      // empty: the frame has all it must; else why not ("no face")
  std::optional<Box> crop;  // the part of the frame to write; nullopt: all of it
};
using FrameInspector = std::function<Result<FrameLook>(const Image8& frame)>;

struct ExtractOptions {
  SelectionSettings selection;  // its fps is replaced by gfps or vfps
  double gfps = 10;             // the cap for animations (GIF, APNG, WebP)
  double vfps = 2;              // the cap for videos
  int minimum_resolution = 0;   // the short side is upscaled to at least this (0: off)
  int maximum_resolution = 0;   // the long side is downscaled to at most this (0: off)
  std::string format = "png";   // "png", "jpg" or "webp"
  int thumbnail = 64;           // side of the thumbnails the selection looks at
  // Null: none. Otherwise every candidate the fps cap lets through is
  // converted and looked at; one it rejects is pruned ("missing: …") and the
  // next frame may stand in for it; a kept one is cropped to its look's crop
  // before the resolution bounds apply.
  FrameInspector inspector;
  // Each candidate judged against its clip, the sharpest of a window after
  // each sampling time preferred, bars cropped (frame_quality.h). It runs
  // before the inspector, which sees the frame without its bars.
  FrameGateSettings gate;
};

struct ExtractReport {
  std::filesystem::path source;
  bool animation = false;
  VideoInfo info;
  int64_t frames_decoded = 0;
  std::vector<Slice> slices;
  std::vector<std::filesystem::path> written;  // frames, in order
  std::map<int64_t, ImageQuality> pictures;    // the gate's measures of the kept frames (thumbnail; bars at full size)
};

// `sidecar`: the source's tag file to copy beside each frame (empty: none).
// Errors name the source (unreadable, no video) or the file that could not be written.
Result<ExtractReport> extract_frames(const std::filesystem::path& source, const std::filesystem::path& out_dir,
                                     const ExtractOptions& options, const std::filesystem::path& sidecar = {});

// The report as one line of JSON.
std::string extract_report_json(const ExtractReport& report);

// The frame's size within the bounds (aspect kept; never below 1x1).
std::pair<int, int> fit_resolution(int width, int height, int minimum_short, int maximum_long);

}  // namespace tagforge
