// Near copies: the index finds exactly what a full comparison finds; the
// grouping matches brute force; and on variants made from the real test media
// (half size, JPEG at quality 60, 5% cropped, a text overlay, mirrored) the
// groups have the recall and precision issue 21 asks for, printed.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>

#include "dedupe/aligned_check.h"
#include "dedupe/hamming_index.h"
#include "dedupe/keeper.h"
#include "dedupe/near_copies.h"
#include "dedupe/set_aside.h"
#include "media/decode.h"
#include "media/encode.h"
#include "media/perceptual_hash.h"

namespace tagforge {
namespace {

namespace fs = std::filesystem;

// Random hashes, and near each of some of them a few with 0-14 bits flipped.
std::vector<uint64_t> planted_hashes(size_t n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> out;
  while (out.size() < n) {
    const uint64_t h = rng();
    out.push_back(h);
    if (rng() % 4 == 0) {
      for (int k = 0, copies = int(rng() % 4); k < copies && out.size() < n; ++k) {
        uint64_t v = h;
        for (int b = 0, flips = int(rng() % 15); b < flips; ++b) v ^= uint64_t(1) << (rng() % 64);
        out.push_back(v);
      }
    }
  }
  return out;
}

TEST(HammingIndex, FindsExactlyWhatAFullComparisonFinds) {
  const std::vector<uint64_t> hashes = planted_hashes(3000, 7);
  const HammingIndex index(hashes);
  for (int radius : {0, 3, 7, 10, 13}) {
    SCOPED_TRACE(radius);
    size_t found = 0;
    for (size_t q = 0; q < hashes.size(); q += 7) {
      std::map<uint32_t, int> got, want;
      index.for_each_within(hashes[q], radius, [&](uint32_t id, int d) {
        EXPECT_TRUE(got.emplace(id, d).second) << "reported twice: " << id;
      });
      for (uint32_t i = 0; i < hashes.size(); ++i)
        if (hamming(hashes[i], hashes[q]) <= radius) want.emplace(i, hamming(hashes[i], hashes[q]));
      ASSERT_EQ(got, want) << "query " << q;
      found += got.size();
    }
    EXPECT_GT(found, hashes.size() / 7) << "every query finds at least itself";
  }
}

TEST(HammingIndex, ClosePairsAreEveryPairWithinTheRadiusOnce) {
  const std::vector<uint64_t> hashes = planted_hashes(4000, 9);
  const HammingIndex index(hashes);
  for (int radius : {0, 3, 7, 10}) {
    SCOPED_TRACE(radius);
    std::mutex mu;
    std::map<std::pair<uint32_t, uint32_t>, int> got, want;
    index.for_each_close_pair(radius, [&](uint32_t i, uint32_t j, int d) {
      std::lock_guard lock(mu);
      EXPECT_NE(i, j);
      EXPECT_TRUE(got.emplace(std::minmax(i, j), d).second) << "reported twice: " << i << ", " << j;
    });
    for (uint32_t i = 0; i < hashes.size(); ++i)
      for (uint32_t j = i + 1; j < hashes.size(); ++j)
        if (hamming(hashes[i], hashes[j]) <= radius) want.emplace(std::make_pair(i, j), hamming(hashes[i], hashes[j]));
    EXPECT_EQ(got, want);
    EXPECT_FALSE(want.empty());
  }
}

// Brute force: the components of the near-copy relation over all pairs.
std::vector<std::vector<uint32_t>> groups_by_brute_force(const std::vector<PerceptualHash>& h,
                                                         const NearCopyOptions& o) {
  std::vector<uint32_t> label(h.size());
  for (uint32_t i = 0; i < h.size(); ++i) label[i] = i;
  for (size_t i = 0; i < h.size(); ++i)
    for (size_t j = i + 1; j < h.size(); ++j)
      if (near_copy_distance(h[i], h[j], o)) {
        const uint32_t from = label[j], to = label[i];
        if (from != to) std::replace(label.begin(), label.end(), from, to);
      }
  std::map<uint32_t, std::vector<uint32_t>> by;
  for (uint32_t i = 0; i < h.size(); ++i) by[label[i]].push_back(i);
  std::vector<std::vector<uint32_t>> out;
  for (auto& [_, g] : by)
    if (g.size() > 1) out.push_back(g);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(NearCopies, GroupsMatchAComparisonOfEveryPair) {
  const std::vector<uint64_t> a = planted_hashes(1500, 11), b = planted_hashes(1500, 12);
  std::vector<PerceptualHash> h(a.size());
  std::mt19937_64 rng(3);
  for (size_t i = 0; i < h.size(); ++i) {
    // The second hash: for planted copies near the first's partner, shuffled so
    // that the two measures disagree on some pairs.
    h[i] = {a[i], b[i], rng(), rng()};
  }
  for (const NearCopyOptions o : {NearCopyOptions{6, false}, NearCopyOptions{10, true}}) {
    const auto got = near_copy_groups(h, o);
    EXPECT_EQ(got, groups_by_brute_force(h, o));
    EXPECT_FALSE(got.empty());
  }
}

// A re-run's grouping: the images grouped before are taken as their groups, and only pairs with a
// new image are looked at; the groups are those of a grouping of all, with far fewer checks.
TEST(NearCopies, AnEarlierGroupingAndTheNewImagesGiveWhatAGroupingOfAllGives) {
  const std::vector<uint64_t> a = planted_hashes(1500, 21), b = planted_hashes(1500, 22);
  const std::vector<uint64_t> am = planted_hashes(1500, 23), bm = planted_hashes(1500, 24);
  std::vector<PerceptualHash> h(a.size());
  std::mt19937_64 rng(5);
  std::vector<uint64_t> tag(h.size());
  for (size_t i = 0; i < h.size(); ++i) {
    // Mirrors near some other image's hashes, so that flip finds mirrored pairs both ways round.
    h[i] = {a[i], b[i], a[(i + 7) % a.size()] ^ (am[i] & 1), b[(i + 7) % b.size()] ^ (bm[i] & 2)};
    tag[i] = rng();
  }
  // A check that rejects some pairs, by the images (not their places in a list).
  auto check_of = [&](const std::vector<uint32_t>& image, std::atomic<size_t>& calls) {
    return [&, image](uint32_t i, uint32_t j, bool mirrored) {
      ++calls;
      return (tag[image[i]] ^ tag[image[j]] ^ uint64_t(mirrored)) % 5 != 0;
    };
  };
  for (const NearCopyOptions o : {NearCopyOptions{6, false}, NearCopyOptions{10, true}}) {
    SCOPED_TRACE(o.flip);
    std::vector<uint32_t> all(h.size());
    for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
    std::atomic<size_t> full_calls = 0;
    const auto full = near_copy_groups(h, o, check_of(all, full_calls));
    ASSERT_GT(full.size(), 20u);

    // Before: every third image was not there yet.
    std::vector<uint32_t> before;
    std::vector<PerceptualHash> before_hashes;
    for (uint32_t i = 0; i < h.size(); ++i) {
      if (i % 3 != 0) before.push_back(i), before_hashes.push_back(h[i]);
    }
    std::atomic<size_t> before_calls = 0;
    const auto earlier_groups = near_copy_groups(before_hashes, o, check_of(before, before_calls));
    std::vector<uint32_t> earlier(h.size(), kNotJudged);
    for (uint32_t i : before) earlier[i] = kJudgedAlone;
    for (uint32_t g = 0; g < earlier_groups.size(); ++g)
      for (uint32_t k : earlier_groups[g]) earlier[before[k]] = g;
    std::atomic<size_t> calls = 0;
    EXPECT_EQ(near_copy_groups(h, o, check_of(all, calls), earlier), full);
    EXPECT_LT(calls.load(), full_calls.load()) << "only pairs with a new image are checked";
    std::printf("flip=%d: %zu pairs checked for all, %zu with a third new\n", int(o.flip), full_calls.load(), calls.load());

    // Nothing new: nothing checked.
    for (uint32_t i = 0; i < h.size(); ++i) earlier[i] = kJudgedAlone;
    for (uint32_t g = 0; g < full.size(); ++g)
      for (uint32_t k : full[g]) earlier[k] = g;
    calls = 0;
    EXPECT_EQ(near_copy_groups(h, o, check_of(all, calls), earlier), full);
    EXPECT_EQ(calls.load(), 0u);
  }
}

TEST(NearCopies, TheRuleNeedsOneHashWithinTheThresholdAndTheOtherWithinTwice) {
  const PerceptualHash a{0, 0, 0, 0};
  auto with = [](int dct_bits, int centre_bits) {
    return PerceptualHash{(uint64_t(1) << dct_bits) - 1, (uint64_t(1) << centre_bits) - 1, ~uint64_t(0), ~uint64_t(0)};
  };
  const NearCopyOptions o{6, false};
  EXPECT_TRUE(near_copy_distance(a, with(6, 12), o));
  EXPECT_TRUE(near_copy_distance(a, with(12, 6), o));
  EXPECT_FALSE(near_copy_distance(a, with(7, 7), o));
  EXPECT_FALSE(near_copy_distance(a, with(6, 13), o));
  EXPECT_FALSE(near_copy_distance(a, with(13, 0), o));
  const auto d = near_copy_distance(a, with(3, 4), o);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->dct, 3);
  EXPECT_EQ(d->centre, 4);
  EXPECT_FALSE(d->mirrored);
}

TEST(SetAside, OnlyNumberedDuplicatesBucketsAreSkipped) {
  EXPECT_TRUE(in_duplicates_bucket("duplicates_1/a.png"));
  EXPECT_TRUE(in_duplicates_bucket("duplicates_12/sub/a.png"));
  EXPECT_FALSE(in_duplicates_bucket("duplicates/a.png"));
  EXPECT_FALSE(in_duplicates_bucket("duplicates_/a.png"));
  EXPECT_FALSE(in_duplicates_bucket("duplicates_1x/a.png"));
  EXPECT_FALSE(in_duplicates_bucket("duplicates_1"));  // a file named so, at the top
  EXPECT_FALSE(in_duplicates_bucket("images_1/duplicates_1/a.png"));
}

TEST(Keeper, ChosenThenLargestThenBestScoredThenOwnTagsThenFirst) {
  using F = KeeperFacts;
  EXPECT_EQ(choose_keeper(std::vector<F>{{640, 360, 0.9, true}, {1280, 720, 0.1, false}}), 1u);
  EXPECT_EQ(choose_keeper(std::vector<F>{{640, 360, 0.5, false}, {640, 360, 0.8, false}, {360, 640, 0.7, true}}), 1u);
  EXPECT_EQ(choose_keeper(std::vector<F>{{640, 360, std::nullopt, false}, {640, 360, 0.1, false}}), 1u);
  EXPECT_EQ(choose_keeper(std::vector<F>{{640, 360, std::nullopt, false}, {640, 360, std::nullopt, true}}), 1u);
  EXPECT_EQ(choose_keeper(std::vector<F>{{640, 360, 0.5, true}, {640, 360, 0.5, true}}), 0u);
  EXPECT_EQ(choose_keeper(std::vector<F>{{8, 8, std::nullopt, false}}), 0u);
  // A person's pick beats everything else.
  EXPECT_EQ(choose_keeper(std::vector<F>{{1280, 720, 0.9, true}, {64, 36, std::nullopt, false, true}}), 1u);
}

// ---- On the test media ----

Image8 from_mat(const cv::Mat& m) {
  Image8 im{m.cols, m.rows, m.channels(), {}};
  const cv::Mat c = m.isContinuous() ? m : m.clone();
  im.pixels.assign(c.data, c.data + c.total() * c.elemSize());
  return im;
}

cv::Mat to_mat(const Image8& im) {
  return cv::Mat(im.height, im.width, CV_8UC(im.channels), const_cast<uint8_t*>(im.pixels.data())).clone();
}

cv::Mat load(const std::string& name) {
  auto d = decode_image(fs::path(TAGFORGE_TEST_MEDIA_DIR) / name);
  EXPECT_TRUE(d.ok()) << d.error().to_string();
  return d.ok() ? to_mat(d->image) : cv::Mat();
}

// RGBA `sprite` scaled to `height` and laid over `base` (RGB) with its left edge at x.
cv::Mat composite(cv::Mat base, const cv::Mat& sprite, int height, int x) {
  base = base.clone();
  cv::Mat s;
  cv::resize(sprite, s, cv::Size(sprite.cols * height / sprite.rows, height), 0, 0, cv::INTER_AREA);
  const int y0 = base.rows - s.rows;
  for (int y = 0; y < s.rows; ++y)
    for (int sx = 0; sx < s.cols; ++sx) {
      const int bx = x + sx;
      if (bx < 0 || bx >= base.cols || y0 + y < 0) continue;
      const cv::Vec4b p = s.at<cv::Vec4b>(y, sx);
      cv::Vec3b& q = base.at<cv::Vec3b>(y0 + y, bx);
      for (int c = 0; c < 3; ++c) q[c] = uint8_t((p[c] * p[3] + q[c] * (255 - p[3])) / 255);
    }
  return base;
}

cv::Mat on_white(const cv::Mat& sprite) {
  return composite(cv::Mat(sprite.rows, sprite.cols, CV_8UC3, cv::Scalar(255, 255, 255)), sprite, sprite.rows, 0);
}

struct Variant {
  std::string name;
  cv::Mat image;
};

std::vector<Variant> variants_of(const cv::Mat& m) {
  std::vector<Variant> out;
  const Image8 im = from_mat(m);
  out.push_back({"half", to_mat(resize_bicubic_like_pil(im, im.width / 2, im.height / 2))});
  auto jpeg = encode_image(im, "jpg", 60, "variant.jpg");
  EXPECT_TRUE(jpeg.ok());
  auto back = decode_image_bytes({reinterpret_cast<const uint8_t*>(jpeg->data()), jpeg->size()}, "variant.jpg");
  EXPECT_TRUE(back.ok());
  out.push_back({"jpeg60", to_mat(back->image)});
  out.push_back({"crop5", m(cv::Rect(m.cols / 20, 0, m.cols - m.cols / 20, m.rows)).clone()});
  cv::Mat text = m.clone();
  const double scale = m.rows / 600.0;
  const cv::Point at(m.cols / 20, m.rows * 9 / 10);
  cv::putText(text, "@artist_name", at, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(0, 0, 0), int(4 * scale) + 2);
  cv::putText(text, "@artist_name", at, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(255, 255, 255), int(2 * scale) + 1);
  out.push_back({"text", text});
  cv::Mat flipped;
  cv::flip(m, flipped, 1);
  out.push_back({"flip", flipped});
  return out;
}

TEST(PerceptualHash, AMirroredImageHashesAsTheMirrorOfTheOriginal) {
  const cv::Mat bg = load("bg meadow.jpg");
  cv::Mat flipped;
  cv::flip(bg, flipped, 1);
  const PerceptualHash a = perceptual_hash(from_mat(bg)), b = perceptual_hash(from_mat(flipped));
  EXPECT_LE(hamming(a.dct_mirror, b.dct), 2);
  EXPECT_LE(hamming(a.centre_mirror, b.centre), 2);
  EXPECT_GE(hamming(a.dct, b.dct), 12) << "a meadow is not symmetric";
  EXPECT_EQ(perceptual_hash(from_mat(bg)), a) << "deterministic";
}

TEST(PerceptualHash, AlphaIsOnWhiteAndTinyImagesHash) {
  cv::Mat rgba(40, 30, CV_8UC4, cv::Scalar(0, 0, 0, 0));  // transparent: white
  cv::rectangle(rgba, cv::Rect(0, 0, 15, 40), cv::Scalar(0, 0, 0, 255), cv::FILLED);
  cv::Mat rgb(40, 30, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::rectangle(rgb, cv::Rect(0, 0, 15, 40), cv::Scalar(0, 0, 0), cv::FILLED);
  EXPECT_EQ(perceptual_hash(from_mat(rgba)), perceptual_hash(from_mat(rgb)));
  const Image8 one{1, 1, 3, {10, 20, 30}};
  const PerceptualHash h = perceptual_hash(one);  // a flat image: no bit above the median
  EXPECT_EQ(h.centre, 0u);
}

// The aligned check on a made-up picture: smooth shapes at several scales, so
// that a crop is visible and a square painted over it is too.
TEST(AlignedCheck, ACropAlignsAndAPaintedSquareDoesNot) {
  cv::Mat m(480, 640, CV_8UC3);
  for (int y = 0; y < m.rows; ++y)
    for (int x = 0; x < m.cols; ++x) {
      const double v = 128 + 60 * std::sin(x / 37.0) * std::cos(y / 53.0) + 50 * std::sin((x + 2 * y) / 90.0);
      m.at<cv::Vec3b>(y, x) = cv::Vec3b(uint8_t(v), uint8_t(255 - v), uint8_t(v / 2));
    }
  auto thumbnail = [](const cv::Mat& im) {
    GreyThumbnail t;
    perceptual_hash(from_mat(im), &t);
    return t;
  };
  const GreyThumbnail whole = thumbnail(m);
  EXPECT_EQ(aligned_block_difference(whole, whole), 0);
  const GreyThumbnail left6 = thumbnail(m(cv::Rect(m.cols * 6 / 100, 0, m.cols - m.cols * 6 / 100, m.rows)).clone());
  const GreyThumbnail top4_right3 = thumbnail(
      m(cv::Rect(0, m.rows * 4 / 100, m.cols - m.cols * 3 / 100, m.rows - m.rows * 4 / 100)).clone());
  cv::Mat painted = m.clone();
  cv::rectangle(painted, cv::Rect(m.cols / 2, m.rows / 3, m.cols / 6, m.rows / 5), cv::Scalar(250, 250, 250), cv::FILLED);
  cv::Mat mirrored;
  cv::flip(m, mirrored, 1);
  const int crop_a = aligned_block_difference(whole, left6), crop_b = aligned_block_difference(top4_right3, whole);
  const int square = aligned_block_difference(whole, thumbnail(painted));
  std::printf("aligned check: 6%% crop %d, 4%% + 3%% crop %d, a painted square %d, the mirror flipped back %d\n",
              crop_a, crop_b, square, aligned_block_difference(whole, thumbnail(mirrored), true));
  EXPECT_LE(crop_a, kSamePictureBlockDifference);
  EXPECT_LE(crop_b, kSamePictureBlockDifference);
  EXPECT_GT(square, kSamePictureBlockDifference);
  EXPECT_LE(aligned_block_difference(whole, thumbnail(mirrored), true), 2);
  EXPECT_GT(aligned_block_difference(whole, thumbnail(mirrored), false), kSamePictureBlockDifference);
  EXPECT_TRUE(same_picture(whole, left6));
  EXPECT_FALSE(same_picture(whole, thumbnail(painted)));
}

TEST(NearCopies, VariantsOfTheTestMediaAreGroupedAndDistinctPicturesAreNot) {
  // Distinct pictures: four backgrounds, two outfits of one character on white,
  // and each background with her standing at its left edge and again a third of
  // the way in (8 to 16 bits from the background in one hash and 2 to 10 in the
  // other, where a 5% crop measures 12 and 6: the hashes alone take those for
  // copies; the aligned check of their thumbnails tells them apart).
  std::vector<std::pair<std::string, cv::Mat>> originals;
  const cv::Mat blue = load("sylvie blue normal.png"), green = load("sylvie green normal.png");
  ASSERT_EQ(blue.channels(), 4);
  for (const char* bg : {"bg club.jpg", "bg lecturehall.jpg", "bg meadow.jpg", "bg uni.jpg"}) {
    const cv::Mat m = load(bg);
    originals.emplace_back(bg, m);
    originals.emplace_back(std::string(bg) + " with her", composite(m, blue, m.rows * 9 / 10, 0));
    originals.emplace_back(std::string(bg) + " with her moved", composite(m, blue, m.rows * 9 / 10, m.cols / 3));
  }
  originals.emplace_back("blue on white", on_white(blue));
  originals.emplace_back("green on white", on_white(green));

  std::vector<PerceptualHash> hashes;
  std::vector<GreyThumbnail> thumbnails;
  std::vector<size_t> truth;  // the original each image is a copy of
  std::vector<std::string> names;
  std::vector<bool> mirrored;
  auto add = [&](const cv::Mat& m, size_t k, const std::string& name, bool is_mirror) {
    hashes.push_back(perceptual_hash(from_mat(m), &thumbnails.emplace_back()));
    truth.push_back(k), names.push_back(name), mirrored.push_back(is_mirror);
  };
  for (size_t k = 0; k < originals.size(); ++k) {
    add(originals[k].second, k, originals[k].first, false);
    for (const Variant& v : variants_of(originals[k].second)) add(v.image, k, originals[k].first + " / " + v.name, v.name == "flip");
  }

  for (bool flip : {false, true}) {
    SCOPED_TRACE(flip);
    NearCopyOptions options;  // the default threshold
    options.flip = flip;
    // What the check measures, for the note: the worst copy and the closest impostor.
    int worst_copy = 0, closest_other = 255, worst_copy_mean = 0;
    std::string worst_copy_pair, closest_other_pair;
    for (size_t i = 0; i < hashes.size(); ++i)
      for (size_t j = i + 1; j < hashes.size(); ++j) {
        const auto d = near_copy_distance(hashes[i], hashes[j], options);
        if (!d) continue;
        const int diff = aligned_block_difference(thumbnails[i], thumbnails[j], d->mirrored);
        const bool copies = truth[i] == truth[j];
        if (copies && diff > worst_copy) worst_copy = diff, worst_copy_pair = names[i] + " ~ " + names[j];
        if (copies) worst_copy_mean = std::max(worst_copy_mean, plain_mean_difference(thumbnails[i], thumbnails[j], d->mirrored));
        if (!copies && diff < closest_other) closest_other = diff, closest_other_pair = names[i] + " ~ " + names[j];
      }
    std::printf("aligned check: copies differ by at most %d (%s); distinct pictures the hashes took for copies by at "
                "least %d (%s); the line is %d\n",
                worst_copy, worst_copy_pair.c_str(), closest_other, closest_other_pair.c_str(),
                kSamePictureBlockDifference);
    std::printf("  unaligned, copies differ by at most %d on average (no search past %d)\n", worst_copy_mean,
                kHopelessMeanDifference);
    EXPECT_LE(worst_copy_mean * 3, kHopelessMeanDifference) << "the shortcut past which no alignment is searched has a margin";
    const auto groups = near_copy_groups(hashes, options, [&](uint32_t i, uint32_t j, bool mirror) {
      return same_picture(thumbnails[i], thumbnails[j], mirror);
    });
    std::vector<size_t> group(hashes.size());
    for (size_t i = 0; i < group.size(); ++i) group[i] = hashes.size() + i;  // alone
    for (size_t g = 0; g < groups.size(); ++g)
      for (uint32_t i : groups[g]) group[i] = g;
    // Over pairs: a copy pair is one original with one of its variants, or two of
    // its variants; a mirrored one only with flip.
    size_t tp = 0, fp = 0, fn = 0;
    for (size_t i = 0; i < hashes.size(); ++i)
      for (size_t j = i + 1; j < hashes.size(); ++j) {
        const bool same = group[i] == group[j];
        const bool copies = truth[i] == truth[j] && (flip || mirrored[i] == mirrored[j]);
        if (same && copies) ++tp;
        if (same && !copies) {
          ++fp;
          ADD_FAILURE() << "grouped: " << names[i] << " and " << names[j] << " ("
                        << hamming(hashes[i].dct, hashes[j].dct) << ", " << hamming(hashes[i].centre, hashes[j].centre) << ")";
        }
        if (!same && copies) {
          ++fn;
          std::printf("  missed: %s and %s (dct %d, centre %d)\n", names[i].c_str(), names[j].c_str(),
                      hamming(hashes[i].dct, hashes[j].dct), hamming(hashes[i].centre, hashes[j].centre));
        }
      }
    const double precision = tp + fp ? double(tp) / double(tp + fp) : 1.0;
    const double recall = tp + fn ? double(tp) / double(tp + fn) : 1.0;
    std::printf("flip=%d: %zu images, %zu groups, %zu copy pairs found, %zu wrong, %zu missed: precision %.3f recall %.3f\n",
                int(flip), hashes.size(), groups.size(), tp, fp, fn, precision, recall);
    EXPECT_EQ(precision, 1.0);
    EXPECT_GE(recall, 0.95);
  }
}

}  // namespace
}  // namespace tagforge
