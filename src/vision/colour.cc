#include "vision/colour.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace tagforge {

namespace {

constexpr float kPi = 3.14159265358979f;

float srgb_to_linear(uint8_t v) {
  const float c = v / 255.0f;
  return c <= 0.04045f ? c / 12.92f : std::pow((c + 0.055f) / 1.055f, 2.4f);
}

float lab_f(float t) {
  constexpr float d = 6.0f / 29.0f;
  return t > d * d * d ? std::cbrt(t) : t / (3 * d * d) + 4.0f / 29.0f;
}

float distance2(const Lab& x, const Lab& y) {
  const float dl = x.l - y.l, da = x.a - y.a, db = x.b - y.b;
  return dl * dl + da * da + db * db;
}

}  // namespace

float Lab::chroma() const { return std::sqrt(a * a + b * b); }

float Lab::hue_degrees() const {
  if (a == 0 && b == 0) return 0;
  float h = std::atan2(b, a) * 180.0f / kPi;
  return h < 0 ? h + 360.0f : h;
}

Lab lab_from_srgb(uint8_t r8, uint8_t g8, uint8_t b8) {
  const float r = srgb_to_linear(r8), g = srgb_to_linear(g8), b = srgb_to_linear(b8);
  const float x = (0.4124564f * r + 0.3575761f * g + 0.1804375f * b) / 0.95047f;
  const float y = 0.2126729f * r + 0.7151522f * g + 0.0721750f * b;
  const float z = (0.0193339f * r + 0.1191920f * g + 0.9503041f * b) / 1.08883f;
  const float fx = lab_f(x), fy = lab_f(y), fz = lab_f(z);
  return Lab{116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)};
}

std::string_view colour_word(ColourName c) {
  static constexpr std::array<std::string_view, 13> kWords = {
      "black", "grey", "silver", "white", "blonde", "brown", "orange", "red", "pink", "purple", "blue", "aqua", "green"};
  return kWords[size_t(c)];
}

std::optional<ColourName> colour_from_word(std::string_view w) {
  if (w == "gray") w = "grey";
  if (w == "yellow") w = "blonde";  // yellow_hair is an alias of blonde_hair on Danbooru
  for (int i = 0; i < 13; ++i) {
    if (colour_word(ColourName(i)) == w) return ColourName(i);
  }
  return std::nullopt;
}

// Calibrated on typical anime hair colours (tests/vision colour tests list
// them): reds sit near 32 degrees of CIELAB hue, pinks near 355, browns and
// oranges share 55-65 degrees and part by chroma, blondes near 90.
ColourName name_colour(const Lab& c) {
  const float l = c.l, chroma = c.chroma(), h = c.hue_degrees();
  if (chroma < 12 || (l < 30 && chroma < 18)) {  // the greys, by lightness
    if (l < 25) return ColourName::kBlack;
    if (l < 62) return ColourName::kGrey;
    if (l < 88) return ColourName::kSilver;
    return ColourName::kWhite;
  }
  if (l < 14) return ColourName::kBlack;
  if (h >= 330 || h < 20) {  // pinks are light; dark dull reds are the shade of auburn and brown hair
    if (l > 55) return ColourName::kPink;
    return chroma >= 45 ? ColourName::kRed : ColourName::kBrown;
  }
  if (h < 45) {
    if (chroma >= 55) return l > 62 ? ColourName::kOrange : ColourName::kRed;
    return l > 65 ? ColourName::kPink : ColourName::kBrown;
  }
  if (h < 75) {
    if (chroma >= 55) return ColourName::kOrange;
    return l < 72 ? ColourName::kBrown : ColourName::kBlonde;
  }
  if (h < 110) return l > 62 ? ColourName::kBlonde : ColourName::kBrown;
  if (h < 165) return ColourName::kGreen;
  if (h < 240) return ColourName::kAqua;
  if (h < 302) return ColourName::kBlue;
  return ColourName::kPurple;
}

bool colours_close(ColourName a, ColourName b) {
  if (a == b) return true;
  auto pair = [&](ColourName x, ColourName y) { return (a == x && b == y) || (a == y && b == x); };
  using C = ColourName;
  return pair(C::kBlonde, C::kOrange) || pair(C::kBlonde, C::kBrown) || pair(C::kBrown, C::kOrange) ||
         pair(C::kBrown, C::kBlack) || pair(C::kBrown, C::kRed) || pair(C::kRed, C::kOrange) ||
         pair(C::kGrey, C::kSilver) || pair(C::kSilver, C::kWhite) || pair(C::kGrey, C::kBlack) ||
         pair(C::kPink, C::kRed) || pair(C::kPink, C::kPurple) || pair(C::kPurple, C::kBlue) ||
         pair(C::kAqua, C::kBlue) || pair(C::kAqua, C::kGreen) || pair(C::kBlonde, C::kWhite) ||
         pair(C::kBlack, C::kBlue) || pair(C::kBlack, C::kPurple);  // dark blue and purple hair read black
}

std::optional<DominantColour> dominant_colour(const Image8& image, const Image8* mask, int x0, int y0, int x1,
                                              int y1) {
  x0 = std::clamp(x0, 0, image.width), x1 = std::clamp(x1, 0, image.width);
  y0 = std::clamp(y0, 0, image.height), y1 = std::clamp(y1, 0, image.height);
  if (mask && (mask->width != image.width || mask->height != image.height || mask->channels != 1)) mask = nullptr;
  // Sample at most about 40,000 pixels on a regular grid.
  const long area = long(x1 - x0) * long(y1 - y0);
  const int step = std::max(1, int(std::sqrt(double(std::max(area, 1L)) / 40000.0)));
  std::vector<Lab> px;
  for (int y = y0; y < y1; y += step) {
    for (int x = x0; x < x1; x += step) {
      const size_t i = size_t(y) * image.width + x;
      if (mask && mask->pixels[i] < 128) continue;
      const uint8_t* p = &image.pixels[i * image.channels];
      if (image.channels == 4 && p[3] < 128) continue;  // transparent: not part of the picture
      px.push_back(image.channels == 1 ? lab_from_srgb(p[0], p[0], p[0]) : lab_from_srgb(p[0], p[1], p[2]));
    }
  }
  if (px.size() < 16) return std::nullopt;

  // k-means, k = 4, seeded deterministically at the lightness quantiles.
  constexpr int k = 4;
  std::vector<Lab> by_l = px;
  std::sort(by_l.begin(), by_l.end(), [](const Lab& a, const Lab& b) { return a.l < b.l; });
  std::array<Lab, k> centre;
  for (int c = 0; c < k; ++c) centre[size_t(c)] = by_l[(by_l.size() - 1) * size_t(2 * c + 1) / (2 * k)];
  std::vector<uint8_t> label(px.size(), 0);
  std::array<uint32_t, k> count{};
  for (int iter = 0; iter < 12; ++iter) {
    std::array<double, k> sl{}, sa{}, sb{};
    count.fill(0);
    for (size_t i = 0; i < px.size(); ++i) {
      int best = 0;
      for (int c = 1; c < k; ++c) {
        if (distance2(px[i], centre[size_t(c)]) < distance2(px[i], centre[size_t(best)])) best = c;
      }
      label[i] = uint8_t(best);
      ++count[size_t(best)];
      sl[size_t(best)] += px[i].l, sa[size_t(best)] += px[i].a, sb[size_t(best)] += px[i].b;
    }
    for (int c = 0; c < k; ++c) {
      if (count[size_t(c)]) {
        centre[size_t(c)] = Lab{float(sl[size_t(c)] / count[size_t(c)]), float(sa[size_t(c)] / count[size_t(c)]),
                                float(sb[size_t(c)] / count[size_t(c)])};
      }
    }
  }
  // Clusters of the same name pool their pixels (a shaded colour splits into
  // a light and a dark cluster of one name); the name with the most pixels
  // wins, a specular highlight (very light, nearly grey) counting less.
  std::array<float, 13> weight{};
  std::array<uint32_t, 13> pixels_of{};
  for (int c = 0; c < k; ++c) {
    const Lab& m = centre[size_t(c)];
    const size_t name = size_t(name_colour(m));
    const bool highlight = m.l > 92 && m.chroma() < 8;
    weight[name] += highlight ? count[size_t(c)] * 0.4f : float(count[size_t(c)]);
    pixels_of[name] += count[size_t(c)];
  }
  const size_t winner = size_t(std::max_element(weight.begin(), weight.end()) - weight.begin());
  Lab mean{0, 0, 0};
  for (int c = 0; c < k; ++c) {
    if (size_t(name_colour(centre[size_t(c)])) != winner) continue;
    const float w = float(count[size_t(c)]) / float(pixels_of[winner]);
    mean.l += centre[size_t(c)].l * w, mean.a += centre[size_t(c)].a * w, mean.b += centre[size_t(c)].b * w;
  }
  DominantColour d;
  d.lab = mean;
  d.name = ColourName(winner);
  d.pixels = uint32_t(px.size());
  d.share = float(pixels_of[winner]) / float(px.size());
  return d;
}

}  // namespace tagforge
