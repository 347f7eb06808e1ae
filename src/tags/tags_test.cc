// The tag engine against the real Danbooru database and the shipped rules.
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "tagforge/tags.h"
#include "shipped_data.h"
#include "tags/normalize.h"

namespace tagforge {
namespace {

const std::filesystem::path kData = TAGFORGE_TEST_DATA_DIR;

const TagDb& db() { return testing::shipped_db(); }
const TagRules& rules() { return testing::shipped_rules(); }

std::string clean(std::string_view text, const PruneOptions& p = {}, const FormatOptions& f = {},
                  std::vector<TagChange>* changes = nullptr) {
  TagList list;
  ParseScratch scratch;
  parse_tag_list(text, db(), list, scratch, "sidecar", changes);
  EXPECT_TRUE(prune_tags(list, db(), rules(), p, changes).ok());
  return format_tags(list, db(), f);
}

std::string norm(std::string_view entry) {
  std::string out;
  float w;
  normalize_entry(entry, &db(), out, &w);
  return out;
}

// ---- database ---------------------------------------------------------------------

TEST(TagDb, LoadsDanbooruWithCategoriesCountsAndAliases) {
  EXPECT_GE(db().size(), 140782u);
  const TagId lh = db().find("long_hair");
  ASSERT_NE(lh, kUnknownTag);
  EXPECT_EQ(db().category(lh), TagCategory::kGeneral);
  EXPECT_GT(db().post_count(lh), 1000000u);
  bool alias = false;
  EXPECT_EQ(db().resolve("longhair", &alias), lh);
  EXPECT_TRUE(alias);
  EXPECT_EQ(db().category(db().find("hatsune_miku")), TagCategory::kCharacter);
  EXPECT_EQ(db().category(db().find("vocaloid")), TagCategory::kCopyright);
  EXPECT_EQ(db().category(db().find("highres")), TagCategory::kMeta);
  EXPECT_EQ(db().category(db().find("explicit")), TagCategory::kRating);
  EXPECT_EQ(db().find("rating:explicit"), db().find("explicit"));
  EXPECT_EQ(db().find("no_such_tag_here"), kUnknownTag);
}

TEST(TagDb, LoadsUnder150msOrSaysSo) {
  // Not a timing assertion (bench_tags measures it); a sanity bound that
  // catches an accidental quadratic load.
  const auto t0 = std::chrono::steady_clock::now();
  auto r = TagDb::load({kData / "danbooru_tags.csv"});
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r.ok());
  EXPECT_LT(ms, 5000.0);
}

TEST(TagDb, ParsesQuotedFieldsSkipsBadLinesAndLetsLaterFilesOverride) {
  TagDb d = TagDb::from_csv_text(
      "my tag,0,10,\"alias one,Alias Two\"\n"
      "quoted,4,5,\"say \"\"hi\"\"\"\n"
      "bad,7,1,\n"
      "\n"
      "# a comment\n"
      "no_count,1\n"
      "my_tag,4,99,\n");
  EXPECT_EQ(d.skipped_lines(), 1u);  // category 7 does not exist
  const TagId t = d.find("my_tag");
  ASSERT_NE(t, kUnknownTag);
  EXPECT_EQ(d.category(t), TagCategory::kCharacter);  // the later line wins
  EXPECT_EQ(d.post_count(t), 99u);
  EXPECT_EQ(d.find("alias_two"), t);
  EXPECT_EQ(d.find("say_\"hi\""), d.find("quoted"));
  EXPECT_EQ(d.category(d.find("no_count")), TagCategory::kArtist);
}

TEST(TagDb, MissingFileIsAnErrorNamingIt) {
  auto r = TagDb::load({"/nonexistent/tags.csv"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().path, "/nonexistent/tags.csv");
}

// ---- normalising ----------------------------------------------------------------

TEST(Normalize, SpacesCaseEscapesAndWeights) {
  EXPECT_EQ(norm("  Long Hair "), "long_hair");
  EXPECT_EQ(norm("long   hair"), "long_hair");
  EXPECT_EQ(norm("hatsune miku \\(vocaloid\\)"), "hatsune_miku_(vocaloid)");
  EXPECT_EQ(norm("(blue eyes:1.2)"), "blue_eyes");
  EXPECT_EQ(norm("((smile))"), "smile");
  EXPECT_EQ(norm("[solo]"), "solo");
  EXPECT_EQ(norm("{1girl}"), "1girl");
  EXPECT_EQ(norm("(hatsune miku \\(vocaloid\\):0.8)"), "hatsune_miku_(vocaloid)");
  EXPECT_EQ(norm("rating:explicit"), "rating:explicit");
  std::string out;
  float w = 0;
  normalize_entry("(blue eyes:1.25)", &db(), out, &w);
  EXPECT_FLOAT_EQ(w, 1.25f);
}

// The plain byte-by-byte definition normalize_tag_text must agree with.
std::string reference_normalize(std::string_view raw) {
  auto blank = [](unsigned char c) { return c <= 0x20 || c == 0x7F; };
  while (!raw.empty() && blank(static_cast<unsigned char>(raw.front()))) raw.remove_prefix(1);
  while (!raw.empty() && blank(static_cast<unsigned char>(raw.back()))) raw.remove_suffix(1);
  std::string out;
  bool pending = false;
  for (char ch : raw) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '_') {
      pending = false;
      out += '_';
    } else if (blank(c)) {
      if (!out.empty() && out.back() != '_') pending = true;
    } else {
      if (pending) out += '_';
      pending = false;
      out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : ch;
    }
  }
  while (!out.empty() && out.back() == '\\') out.pop_back();
  return out;
}

TEST(Normalize, FastPathsAgreeWithTheByteByByteDefinition) {
  std::mt19937 rng(7);
  const std::string alphabet = "abcXYZ _ \t\x01\x7f:\\(),0123456789\xc3\xa9long hair";
  std::string out;
  for (int n = 0; n < 20000; ++n) {
    std::string in;
    const size_t len = rng() % 70;  // across the 16-byte blocks
    for (size_t k = 0; k < len; ++k) in += alphabet[rng() % alphabet.size()];
    normalize_tag_text(in, out);
    ASSERT_EQ(out, reference_normalize(in)) << in;
  }
}

TEST(Normalize, KaomojiAndEmoticonsStayIntact) {
  EXPECT_EQ(norm("^_^"), "^_^");
  EXPECT_EQ(norm(">_<"), ">_<");
  EXPECT_EQ(norm("0_0"), "0_0");
  EXPECT_EQ(norm(":D"), ":d");
  EXPECT_EQ(norm("(o)_(o)"), "(o)_(o)");  // brackets that are the face, not syntax
  EXPECT_TRUE(is_kaomoji("^_^"));
  // Every first byte of the list passes the inline pre-check.
  for (std::string_view face : {"#_#", "$_$", "(o)_(o)", "*_*", "+_-", "-_-", "._.", "0_o", ";_;", "<o>_<o>", "=_=",
                                ">_o", "@_@", "3_3", "6_9", "^_-", "o_0", "t_t", "u_u", "x_x", "|_|", "||_||"}) {
    EXPECT_TRUE(is_kaomoji(face)) << face;
  }
  EXPECT_FALSE(is_kaomoji("long_hair"));
}

TEST(Normalize, BadEntries) {
  std::string out;
  float w;
  EXPECT_EQ(normalize_entry("   ", &db(), out, &w), EntryStatus::kEmpty);
  EXPECT_EQ(normalize_entry(std::string(5000, 'a'), &db(), out, &w), EntryStatus::kTooLong);
  EXPECT_EQ(normalize_entry(std::string("lo\0ng\x01 hair", 11), &db(), out, &w), EntryStatus::kOk);
  EXPECT_EQ(out, "lo_ng_hair");  // control bytes never reach a file
  EXPECT_EQ(normalize_entry("(red hair, blue eyes:1.2)", &db(), out, &w), EntryStatus::kGroup);
}

TEST(Split, RespectsBracketsAndSurvivesUnbalancedOnes) {
  std::vector<std::string_view> e;
  split_tag_list("a, (b, c:1.2), d", e);
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[1], " (b, c:1.2)");
  split_tag_list("a, (b, c, d", e);  // never closed: every comma splits
  EXPECT_EQ(e.size(), 4u);
  split_tag_list("a\nb,c", e);
  EXPECT_EQ(e.size(), 3u);
}

TEST(Normalize, WrittenTagsReadBackAsTheSameTags) {
  // Found by libFuzzer: `x\\\,y` unescaped to `x\\,y`, whose comma was bare
  // once written. No tag holds a comma, escaped or not.
  for (std::string_view in : {"x\\\\\\,y, z", "a\\,b, c", "(r\ned hair, blue eyes:1.1)- ", "\\(o\\)_\\(o\n\\), ^_^"}) {
    const std::string out = clean(in);
    std::vector<std::string_view> entries;
    split_tag_list(out, entries);
    EXPECT_EQ(entries.size(), parse_tag_list(in, db()).tags.size()) << in << " -> " << out;
    EXPECT_EQ(clean(out), out) << in;  // and cleaning again changes nothing
  }
}

// ---- parsing ------------------------------------------------------------------------

TEST(Parse, AliasesDuplicatesUnknownsAndGroups) {
  std::vector<TagChange> ch;
  TagList list;
  ParseScratch s;
  parse_tag_list("1girls, 1girl, Long Hair, longhair, my_trigger, , (red hair, blue eyes:1.1)", db(), list, s,
                 "sidecar", &ch);
  std::vector<std::string> names;
  for (size_t i = 0; i < list.tags.size(); ++i) names.emplace_back(list.name(i, db()));
  EXPECT_EQ(names, (std::vector<std::string>{"1girl", "long_hair", "my_trigger", "red_hair", "blue_eyes"}));
  EXPECT_EQ(list.tags[2].id, kUnknownTag);
  ASSERT_GE(ch.size(), 3u);
  EXPECT_EQ(ch[0].kind, TagChange::Kind::kRenamed);
  EXPECT_EQ(ch[0].into, "1girl");
  EXPECT_EQ(ch[1].rule, "duplicate");
  bool saw_unknown = false;
  for (auto& c : ch) saw_unknown = saw_unknown || (c.kind == TagChange::Kind::kUnknown && c.tag == "my_trigger");
  EXPECT_TRUE(saw_unknown);
}

TEST(Parse, TenMegabyteLinesDoNotHang) {
  // One 10 MB entry: not a tag.
  EXPECT_TRUE(parse_tag_list(std::string(10 << 20, 'a'), db()).tags.empty());
  // 10 MB of distinct unknown tags and of repeated known ones: linear, not quadratic.
  std::string many;
  for (int i = 0; many.size() < (10u << 20); ++i) many += "word" + std::to_string(i) + ", long hair, ";
  TagList list = parse_tag_list(many, db());
  EXPECT_GT(list.tags.size(), 400000u);  // every wordN once, long_hair once
  EXPECT_EQ(list.name(1, db()), "long_hair");
  size_t long_hair = 0;
  for (size_t i = 0; i < list.tags.size(); ++i) long_hair += list.name(i, db()) == "long_hair";
  EXPECT_EQ(long_hair, 1u);
}

TEST(Parse, FiveThousandTagsAndGarbageDoNotHang) {
  std::string big;
  for (int i = 0; i < 5000; ++i) big += "tag" + std::to_string(i) + ", ";
  TagList list = parse_tag_list(big, db());
  EXPECT_EQ(list.tags.size(), 5000u);
  std::string garbage;
  for (int i = 0; i < 100000; ++i) garbage += static_cast<char>((i * 7919) & 0xFF);
  TagList g = parse_tag_list(garbage, db());
  for (const auto& t : g.tags) {
    for (char c : t.text) EXPECT_GE(static_cast<unsigned char>(c), 0x20);
  }
}

// ---- pruning: contradictions ----------------------------------------------------------

TEST(Prune, CountContradictionKeepsTheMoreProbableSide) {
  // Both from a tagger: probability decides.
  TagList list = parse_tag_list("", db());
  TaggerTags t{"wd", {{"1girl", 0.40f}, {"multiple_girls", 0.90f}, {"2girls", 0.85f}}};
  TagList merged = merge_tags(list, std::span(&t, 1), db(), MergePolicy{});
  std::vector<TagChange> ch;
  ASSERT_TRUE(prune_tags(merged, db(), rules(), PruneOptions{}, &ch).ok());
  EXPECT_EQ(format_tags(merged, db(), FormatOptions{}), "2girls");
  bool why = false;
  for (auto& c : ch) why = why || (c.tag == "1girl" && c.rule.find("contradiction") != std::string::npos);
  EXPECT_TRUE(why);
}

TEST(Prune, WithoutProbabilitiesTheSidecarThenPostCountDecides) {
  EXPECT_EQ(clean("multiple_girls, 1girl"), "1girl");  // same source: 1girl has more posts
  // The sidecar is trusted over a tagger when one side has no probability.
  TagList list = parse_tag_list("1girl", db());
  TaggerTags t{"wd", {{"multiple_girls", 0.99f}}};
  TagList merged = merge_tags(list, std::span(&t, 1), db(), MergePolicy{});
  ASSERT_TRUE(prune_tags(merged, db(), rules(), PruneOptions{}).ok());
  EXPECT_EQ(format_tags(merged, db(), FormatOptions{}), "1girl");
}

TEST(Prune, SoloAgainstGroupsAndAddedUpCounts) {
  EXPECT_EQ(clean("solo, 2girls, smile"), "solo, smile");
  EXPECT_EQ(clean("1girl, 1boy, solo"), "1girl, solo");  // 1boy is the rarer tag
  EXPECT_EQ(clean("1girl, solo"), "1girl, solo");
  EXPECT_EQ(clean("no_humans, 1girl, scenery"), "1girl, scenery");
}

TEST(Prune, SingleSubjectRulesApplyOnlyToOneCharacter) {
  EXPECT_EQ(clean("1girl, solo, short_hair, long_hair"), "1girl, solo, long_hair");
  EXPECT_EQ(clean("2girls, short_hair, long_hair"), "2girls, short_hair, long_hair");
  // unless: multicoloured hair may be two colours.
  EXPECT_EQ(clean("1girl, solo, black_hair, red_hair, multicolored_hair"),
            "1girl, solo, black_hair, red_hair, multicolored_hair");
  EXPECT_EQ(clean("1girl, solo, blue_eyes, red_eyes, heterochromia"), "1girl, solo, blue_eyes, red_eyes, heterochromia");
}

TEST(Prune, AlwaysExclusiveEvenForGroups) {
  // No probabilities, one source: the tag with more Danbooru posts stays.
  const bool indoors_wins = db().post_count(db().find("indoors")) > db().post_count(db().find("outdoors"));
  EXPECT_EQ(clean("2girls, indoors, outdoors"), indoors_wins ? "2girls, indoors" : "2girls, outdoors");
  EXPECT_EQ(clean("2girls, indoors, outdoors", {}, {}), clean("2girls, outdoors, indoors"));
}

// ---- pruning: redundancy ----------------------------------------------------------------

TEST(Prune, DerivedImplicationsUseWordsNotSubstrings) {
  EXPECT_EQ(clean("thighhighs, black_thighhighs"), "black_thighhighs");
  EXPECT_EQ(clean("long_hair, very_long_hair"), "very_long_hair");
  EXPECT_EQ(clean("blue_hair, light_blue_hair"), "light_blue_hair");
  // imgutils drops bow here because "bow" is a substring of "elbow_gloves".
  EXPECT_EQ(clean("bow, elbow_gloves, gloves"), "bow, elbow_gloves");
  EXPECT_EQ(clean("bow, pink_bow"), "pink_bow");
  EXPECT_GT(rules().implications(), 1000u);
}

TEST(Prune, CountImplicationsAreConfigurable) {
  EXPECT_EQ(clean("2girls, multiple_girls"), "2girls");
  PruneOptions keep;
  keep.keep_implied_counts = true;
  EXPECT_EQ(clean("2girls, multiple_girls", keep), "2girls, multiple_girls");
}

TEST(Prune, UserRules) {
  PruneOptions p;
  p.undesired = {"Simple Background"};
  p.blacklist = {"*_censor*"};
  p.replacements = "white_background,plain_background;Some Tag,other_tag";
  EXPECT_EQ(clean("1girl, simple_background, bar_censor, white_background, mosaic_censoring", p),
            "1girl, plain_background");
  EXPECT_FALSE(parse_replacements("a,b,c").ok());  // a tag cannot hold a comma
  EXPECT_FALSE(parse_replacements(",b").ok());
  auto pairs = parse_replacements("Some Tag,other_tag;x\\;y,z");
  ASSERT_TRUE(pairs.ok());
  EXPECT_EQ((*pairs)[0], (std::pair<std::string, std::string>{"some_tag", "other_tag"}));
  EXPECT_EQ((*pairs)[1].first, "x;y");
  // Found by libFuzzer: a target is read like a list entry, so a stray
  // bracket cannot reach a file and regroup it when read back.
  auto stray = parse_replacements("smile,(broken");
  ASSERT_TRUE(stray.ok());
  EXPECT_EQ((*stray)[0].second, "broken");
  EXPECT_FALSE(parse_replacements("smile,(a, b)").ok());
  PruneOptions drop;
  drop.replacements = "smile,";
  EXPECT_EQ(clean("smile, 1girl", drop), "1girl");
  PruneOptions merge;
  merge.replacements = "grin,smile";
  EXPECT_EQ(clean("grin, smile, 1girl", merge), "smile, 1girl");
  merge.replacements = "grin,longhair";  // an alias as the target
  EXPECT_EQ(clean("grin, long_hair, 1girl", merge), "long_hair, 1girl");
}

TEST(Prune, UnknownTagsSurvivePruning) {
  // Regression (found by fuzz_tags): compacting the list self-moved entries
  // and emptied the text of unknown tags.
  EXPECT_EQ(clean("my_trigger, 1girl, multiple_girls, other_word"), "my_trigger, 1girl, other_word");
}

TEST(Prune, EveryDropHasAReason) {
  std::vector<TagChange> ch;
  clean("1girl, multiple_girls, thighhighs, black_thighhighs", {}, {}, &ch);
  ASSERT_EQ(ch.size(), 2u);
  for (const auto& c : ch) {
    EXPECT_EQ(c.kind, TagChange::Kind::kDropped);
    EXPECT_FALSE(c.rule.empty());
  }
}

// ---- merging --------------------------------------------------------------------------------

TEST(Merge, UnionThresholdsSourcesAndConfidence) {
  TagList existing = parse_tag_list("1girl, hatsune_miku, my_trigger", db());
  std::vector<TaggerTags> taggers{
      {"wd", {{"1girl", 0.98f}, {"smile", 0.6f}, {"hat", 0.2f}, {"kagamine_rin", 0.95f}, {"general", 0.7f},
              {"explicit", 0.1f}}},
      {"joy", {{"smile", 0.8f}, {"blue_hair", 0.5f}}}};
  std::vector<TagChange> ch;
  TagList m = merge_tags(existing, taggers, db(), MergePolicy{}, &ch);
  EXPECT_EQ(format_tags(m, db(), FormatOptions{}), "1girl, hatsune_miku, my_trigger, smile, general, blue_hair");
  ASSERT_EQ(m.sources.size(), 3u);
  EXPECT_EQ(m.tags[0].sources, 0b011u);  // sidecar and wd
  EXPECT_FLOAT_EQ(m.tags[0].confidence, 0.98f);
  EXPECT_EQ(m.tags[3].sources, 0b110u);  // wd and joy
  EXPECT_FLOAT_EQ(m.tags[3].confidence, 0.8f);
  bool ignored_character = false;
  for (auto& c : ch) ignored_character = ignored_character || c.tag == "kagamine_rin";
  EXPECT_TRUE(ignored_character);
}

TEST(Merge, IntersectionKeepsWhatEverySourceSays) {
  TagList existing = parse_tag_list("1girl, smile, hat, my_trigger", db());
  std::vector<TaggerTags> taggers{{"wd", {{"1girl", 0.9f}, {"smile", 0.9f}, {"sword", 0.9f}}}};
  MergePolicy p;
  p.general = MergePolicy::General::kIntersection;
  TagList m = merge_tags(existing, taggers, db(), p);
  EXPECT_EQ(format_tags(m, db(), FormatOptions{}), "1girl, smile, my_trigger");
}

TEST(Merge, TaggerCharactersFillAnEmptySidecar) {
  TagList existing = parse_tag_list("", db());
  std::vector<TaggerTags> taggers{{"wd", {{"hatsune_miku", 0.9f}, {"kagamine_rin", 0.5f}}}};
  TagList m = merge_tags(existing, taggers, db(), MergePolicy{});
  EXPECT_EQ(format_tags(m, db(), FormatOptions{}), "hatsune_miku");
}

// ---- formatting ------------------------------------------------------------------------------

TEST(Format, KohyaOptions) {
  TagList list = parse_tag_list("smile, ^_^, hatsune_miku, explicit, long_hair, my_trigger", db());
  FormatOptions f;
  f.remove_underscores = true;
  EXPECT_EQ(format_tags(list, db(), f), "smile, ^_^, hatsune miku, explicit, long hair, my trigger");
  f.character_first = true;
  f.rating = FormatOptions::Rating::kLast;
  f.always_first = {"my trigger"};
  f.separator = ",";
  EXPECT_EQ(format_tags(list, db(), f), "my trigger,hatsune miku,smile,^_^,long hair,explicit");
  f.rating = FormatOptions::Rating::kDrop;
  EXPECT_EQ(format_tags(list, db(), f), "my trigger,hatsune miku,smile,^_^,long hair");
  FormatOptions esc;
  esc.escape_parentheses = true;
  EXPECT_EQ(format_tags(parse_tag_list("hatsune_miku_(append)", db()), db(), esc), "hatsune_miku_\\(append\\)");
}

TEST(Format, OrderByConfidenceAndCategory) {
  TagList empty = parse_tag_list("my_trigger", db());
  std::vector<TaggerTags> t{{"wd", {{"smile", 0.5f}, {"hat", 0.9f}, {"highres", 0.95f}, {"hatsune_miku", 0.9f}}}};
  TagList m = merge_tags(empty, t, db(), MergePolicy{});
  FormatOptions f;
  f.order = FormatOptions::Order::kConfidence;
  EXPECT_EQ(format_tags(m, db(), f), "my_trigger, highres, hat, hatsune_miku, smile");
  f.order = FormatOptions::Order::kCategory;
  EXPECT_EQ(format_tags(m, db(), f), "hatsune_miku, smile, hat, my_trigger, highres");
}

TEST(Format, AppendKeepsTheExistingLineAndDedupes) {
  TagList list = parse_tag_list("long_hair, smile, hat", db());
  std::string out;
  format_tags(list, db(), FormatOptions{}, out, "1girl, Long Hair ");
  EXPECT_EQ(out, "1girl, Long Hair, smile, hat");
}

// ---- rules file ---------------------------------------------------------------------------------

TEST(Rules, SyntaxErrorsNameTheLineAndUnknownTagsWarn) {
  auto bad = TagRules::parse("[[exclusive]]\nmembers = [\"a\", \n", db(), "test.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("line"), std::string::npos);
  auto scope = TagRules::parse("[[exclusive]]\nname=\"x\"\nmembers=[\"day\",\"night\"]\nscope=\"sometimes\"\n", db());
  EXPECT_FALSE(scope.ok());
  auto warn = TagRules::parse("[[implies]]\ntags=[\"no_such_tag_xyz\"]\nimplies=[\"smile\"]\n", db());
  ASSERT_TRUE(warn.ok());
  ASSERT_EQ(warn->warnings().size(), 1u);
  EXPECT_NE(warn->warnings()[0].find("no_such_tag_xyz"), std::string::npos);
  EXPECT_TRUE(rules().warnings().empty()) << rules().warnings()[0];
}

}  // namespace
}  // namespace tagforge
