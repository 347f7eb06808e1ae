// Cheap measures of how much a picture can teach a model (issue 24), from
// the pixels the run has already decoded, and the gate that judges them.
//
//   luma: BT.601 of the picture as the models see it (alpha over white);
//     exposure is measured over the opaque pixels only, so a sprite on a
//     transparent canvas is not "too bright".
//   bars: rows and columns at each edge that are uniformly near black
//     (letterbox, pillarbox): every pixel of the line at most kBarLuma.
//     A picture that is dark all over has no bars: it is dark.
//   sharpness: the variance of the Laplacian (4-neighbour) of a grey copy of
//     the picture inside the bars whose long side is kSharpnessSide
//     (area-averaged; a smaller picture as it is). A fixed size makes it
//     comparable across pictures; blur lowers it, noise raises it.
//   exposure: mean and standard deviation of luma, and the share of pixels
//     clipped to black (<= 2) or white (>= 253), of the picture inside the bars.
//   effective scale: how much the picture was enlarged from a smaller one.
//     The grey picture is reduced by 2x2 means, level after level; level k's
//     detail is the mean square of what the 2x2 mean of its pixels leaves
//     out. A picture with detail down to its pixels has about as much at
//     level 0 as at level 1 (natural pictures hold about as much per octave);
//     one enlarged 2x from a smaller one is smooth at the pixel, so level 0
//     holds a small fraction of level 1; 4x: levels 0 and 1 both do. The
//     scale is 2 to the number of such leading levels (up to 8).
#pragma once

#include <string>
#include <vector>

#include "media/resample.h"

namespace tagforge {

inline constexpr int kSharpnessSide = 512;
inline constexpr int kBarLuma = 24;

struct PictureBars {
  int top = 0, bottom = 0, left = 0, right = 0;  // pixels of bars at each edge
  bool any() const { return top || bottom || left || right; }
};

struct ImageQuality {
  int width = 0, height = 0;  // of the whole image
  PictureBars bars;
  float sharpness = 0;
  float luma_mean = 0, luma_spread = 0;  // 0-255
  float clipped_dark = 0, clipped_bright = 0;  // shares of the opaque pixels
  float fine_detail = 0;  // level 0's detail over level 1's (about 1: detail at the pixel; about 0.25 and less: smooth)
  int effective_scale = 1;  // 1, 2, 4 or 8

  // The picture inside the bars.
  int picture_width() const { return width - bars.left - bars.right; }
  int picture_height() const { return height - bars.top - bars.bottom; }
  // The share of the image's area that is bars.
  float bar_share() const;
};

// REQUIRES: image.channels is 1, 3 or 4; width, height >= 1.
ImageQuality measure_quality(const Image8& image);

// The bars alone, to the pixel (what measure_quality finds), for a frame
// whose thumbnail showed some. REQUIRES: as measure_quality.
PictureBars find_picture_bars(const Image8& image);

// What a picture must have to pass; a limit of 0 is off.
struct QualityGate {
  float min_sharpness = 15;   // variance of the Laplacian at kSharpnessSide
  float min_luma_mean = 16;   // darker: "too dark"
  float max_luma_mean = 240;  // brighter: "too bright"
  float min_luma_spread = 6;  // flatter: "flat" (one shade all over)
  float max_clipped = 0.5;    // more of the pixels clipped to black or white: "clipped"
  int min_side = 256;         // the picture's short side (inside the bars), pixels
  int max_upscale = 2;        // a larger effective scale: "upscaled"
  float max_bars = 0.3;       // more of the area in bars: "letterboxed" (stills; frames are cropped instead)
};

// Why the picture fails the gate, one phrase each with its figure ("blurry
// (sharpness 4.1 < 15)"); empty: it passes. `bars_count`: false where the
// bars are cropped away (frames), so they are no fault.
std::vector<std::string> quality_faults(const ImageQuality& q, const QualityGate& gate, bool bars_count = true);

// "too dark (mean luma 3.0 < 16)" / "too bright (mean luma 250.0 > 240)"
// when `luma_mean` is outside [min, max] (a limit of 0 is off), added to
// `faults`: the stills' gate and the frames' (frame_quality.h) say it alike.
void add_exposure_faults(float luma_mean, float min_luma_mean, float max_luma_mean, std::vector<std::string>& faults);

// The faults as one line, "; " between them ("" when it passes): the report's, scan's and the bench's.
std::string faults_text(const std::vector<std::string>& faults);

}  // namespace tagforge
