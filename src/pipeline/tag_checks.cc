#include "pipeline/tag_checks.h"

#include <fmt/format.h>

#include <algorithm>

#include "caption/derive.h"

namespace tagforge {

namespace {

constexpr float kMinColourShare = 0.3f;   // a winning cluster smaller than this says little
constexpr float kMinPersonScore = 0.5f;

bool has(const std::vector<std::string>& tags, std::string_view t) {
  return std::find(tags.begin(), tags.end(), t) != tags.end();
}

// A part whose colour tags name: "hair" (blonde_hair…) or "eyes" (blue_eyes…).
struct Part {
  std::string_view what;    // the check's name: "hair_colour"
  std::string_view suffix;  // "_hair"
  std::vector<std::string_view> mixed;  // tags that say the part has several colours
};
const Part kHair{"hair_colour", "_hair", {"multicolored_hair", "two-tone_hair", "gradient_hair", "streaked_hair",
                                          "colored_inner_hair", "split-color_hair"}};
const Part kEyes{"eye_colour", "_eyes", {"heterochromia", "multicolored_eyes", "gradient_eyes"}};

// "blonde_hair" -> blonde (and "yellow_eyes" -> blonde: one hue, two words); nullopt for other tags.
std::optional<ColourName> colour_of(const Part& part, std::string_view tag) {
  if (!tag.ends_with(part.suffix)) return std::nullopt;
  return colour_from_word(tag.substr(0, tag.size() - part.suffix.size()));
}

// The tag for a colour of a part: eyes are "yellow", hair is "blonde".
std::string tag_for(const Part& part, ColourName c) {
  const std::string_view word = part.suffix == "_eyes" && c == ColourName::kBlonde ? "yellow" : colour_word(c);
  return std::string(word) + std::string(part.suffix);
}

std::string describe(const DominantColour& c) {
  return fmt::format("{} (L {:.1f} a {:.1f} b {:.1f}, {:.0f}% of the region)", colour_word(c.name), c.lab.l, c.lab.a,
                     c.lab.b, c.share * 100);
}

void flag(TagCheckOutcome& out, std::string_view review_tag, AsegCheck& check) {
  check.action = "flagged";
  if (!has(out.tags, review_tag)) {
    out.tags.emplace_back(review_tag);
    out.changed = true;
  }
}

void check_colour(const Part& part, const std::optional<RegionColour>& measured, FixPolicy policy,
                  std::string_view review_tag, TagCheckOutcome& out) {
  if (!measured) return;
  std::vector<size_t> colour_tags;
  for (size_t i = 0; i < out.tags.size(); ++i) {
    if (colour_of(part, out.tags[i])) colour_tags.push_back(i);
  }
  const bool mixed = colour_tags.size() > 1 ||
                     std::any_of(part.mixed.begin(), part.mixed.end(), [&](std::string_view t) { return has(out.tags, t); });
  const DominantColour& m = measured->colour;
  AsegCheck check{std::string(part.what), "", describe(m) + " from the " + measured->source, "", "none"};
  if (colour_tags.empty()) {
    check.verdict = "untagged";
  } else if (mixed) {
    check.tag = out.tags[colour_tags.front()];
    check.verdict = "unchecked: several colours";
  } else if (m.share < kMinColourShare) {
    check.tag = out.tags[colour_tags.front()];
    check.verdict = "unsure";
  } else {
    const size_t i = colour_tags.front();
    check.tag = out.tags[i];
    const ColourName tagged = *colour_of(part, out.tags[i]);
    check.verdict = tagged == m.name ? "agrees" : colours_close(tagged, m.name) ? "close" : "contradicts";
    if (check.verdict == "contradicts") {
      if (policy == FixPolicy::kReplace) {
        const std::string replacement = tag_for(part, m.name);
        check.action = "replaced by " + replacement;
        if (has(out.tags, replacement)) out.tags.erase(out.tags.begin() + long(i));
        else out.tags[i] = replacement;
        out.changed = true;
      } else if (policy == FixPolicy::kFlag) {
        flag(out, review_tag, check);
      }
    }
  }
  out.checks.push_back(std::move(check));
}

void check_count(const Aseg& aseg, FixPolicy policy, std::string_view review_tag, TagCheckOutcome& out) {
  int exact = 0;
  bool several = false, many = false, any = false;
  for (const std::string& t : out.tags) {
    SubjectCount c;
    if (!parse_subject_count(t, c)) continue;
    any = true;
    if (c.n == SubjectCount::kSeveral) several = true;
    else if (c.n == SubjectCount::kMany) many = true;
    else exact += c.n;
  }
  if (!any && has(out.tags, "solo")) exact = 1, any = true;
  if (!any) return;
  int persons = 0, faces = 0, heads = 0;
  for (const AsegEntry& e : aseg.entries) {
    if (e.detection.score < kMinPersonScore) continue;
    persons += e.detection.label == "person";
    faces += e.detection.label == "face";
    heads += e.detection.label == "head";
  }
  const bool by_persons = persons > 0;
  const int found = by_persons ? persons : std::max(faces, heads);
  if (found == 0) return;  // no detector that counts people ran, or it saw nobody
  AsegCheck check{"count", "", fmt::format("{} {}", found, by_persons ? "persons" : "faces or heads"), "", "none"};
  const int at_least = many ? 6 : several ? std::max(2, exact) : exact;
  if (many || several) {
    check.tag = many ? "6+" : "multiple";
    check.verdict = found >= at_least ? "agrees" : (found >= 2 ? "close" : "contradicts");
  } else {
    check.tag = exact == 1 && has(out.tags, "solo") ? "solo" : fmt::format("{} tagged", exact);
    check.verdict = found == exact ? "agrees" : "contradicts";
  }
  if (check.verdict == "contradicts" && policy != FixPolicy::kNone) flag(out, review_tag, check);
  out.checks.push_back(std::move(check));
}

}  // namespace

TagCheckOutcome check_tags_against_pixels(const std::vector<std::string>& tags, const Aseg& aseg,
                                          const std::optional<RegionColour>& hair, FixPolicy policy,
                                          std::string_view review_tag, const std::optional<RegionColour>& eyes) {
  TagCheckOutcome out;
  out.tags = tags;
  check_colour(kHair, hair, policy, review_tag, out);
  check_colour(kEyes, eyes, policy, review_tag, out);
  check_count(aseg, policy, review_tag, out);
  return out;
}

}  // namespace tagforge
