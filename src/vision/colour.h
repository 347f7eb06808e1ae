// Colours of regions, in the words booru tags use. A region's pixels are
// clustered in CIELAB (a small k-means) and each cluster named from the booru
// hair-colour vocabulary by lightness, chroma and hue; the name whose
// clusters hold the most pixels wins. So shading (a dark cluster of the same
// name), highlights and a little background bleeding in do not move it the
// way a plain mean would.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "media/resample.h"

namespace tagforge {

struct Lab {
  float l = 0, a = 0, b = 0;  // L 0-100
  float chroma() const;
  float hue_degrees() const;  // 0-360, 0 for a grey
};

// sRGB bytes (D65) to CIELAB.
Lab lab_from_srgb(uint8_t r, uint8_t g, uint8_t b);

// The booru colour words, as in `blonde_hair`, `aqua_eyes`.
enum class ColourName : uint8_t {
  kBlack, kGrey, kSilver, kWhite, kBlonde, kBrown, kOrange, kRed, kPink, kPurple, kBlue, kAqua, kGreen
};
std::string_view colour_word(ColourName c);                      // "blonde", "aqua", …
std::optional<ColourName> colour_from_word(std::string_view w);  // the inverse; nullopt for others
ColourName name_colour(const Lab& c);

// Whether two names are easily told apart by eye, or neighbours a region's
// light can turn one into the other (blonde/orange, grey/silver/white,
// black/brown at the dark end, pink/red, aqua/blue/green…).
bool colours_close(ColourName a, ColourName b);

struct DominantColour {
  Lab lab;
  ColourName name = ColourName::kBlack;
  float share = 0;  // of the region's pixels in clusters of the winning name
  uint32_t pixels = 0;
};

// The dominant colour of the RGB(A) pixels of `image` where `mask` (same
// size, one channel; may be empty: everywhere) is >= 128, inside the box
// [x0, x1) x [y0, y1). nullopt when fewer than 16 pixels qualify.
std::optional<DominantColour> dominant_colour(const Image8& image, const Image8* mask, int x0, int y0, int x1,
                                              int y1);

}  // namespace tagforge
