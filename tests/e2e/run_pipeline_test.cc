// End-to-end: `tagforge run` on real images and generated clips with the
// test models: what lands in the output, that the input is never written,
// that a re-run takes everything from the manifest, that a config change
// re-runs only what it affects, that kill -9 at every crash point and a
// re-run give the same bytes as one clean run, config errors, shards, init.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <functional>
#include <fstream>
#include <sstream>

#include "media_fixtures.h"
#include "run_cli.h"
#include "test_clips.h"
#include "test_models.h"

namespace tagforge::e2e {
namespace {

namespace fs = std::filesystem;
using tagforge::testing::read_file;
using tagforge::testing::test_models_dir;
using tagforge::testing::write_file;
using Snapshot = std::map<std::string, std::string>;

const fs::path kMedia = TAGFORGE_TEST_MEDIA_DIR;

// Three sprites (one tagged, one with its own caption), a background, a GIF, a video with
// two scene cuts, an unknown file and a broken PNG.
fs::path input_tree(const std::string& name) {
  auto root = fresh_dir(name);
  fs::copy_file(kMedia / "sylvie blue smile.png", root / "blue.png");
  write_file(root / "blue.txt", "1girl, solo, blue_hair, smile");
  fs::copy_file(kMedia / "sylvie green normal.png", root / "green.png");
  write_file(root / "green.caption", "A girl with green hair stands in front of a plain white wall.");
  fs::create_directories(root / "sub" / "clips");
  fs::copy_file(kMedia / "bg uni.jpg", root / "sub" / "uni.jpg");
  const fs::path clips = tagforge::testing::test_clips_dir();
  fs::copy_file(clips / "delays.gif", root / "sub" / "clips" / "delays.gif");
  write_file(root / "sub" / "clips" / "delays.txt", "no_humans, simple_background");
  fs::copy_file(clips / "cuts.mp4", root / "sub" / "clips" / "cuts.mp4");
  write_file(root / "notes.xyz", "not media");
  write_file(root / "broken.png", "\x89PNG\r\n");
  return root;
}

std::vector<std::string> model_flags() {
  return {"--tagger", (test_models_dir() / "wd_v3").string(), "--detectors", (test_models_dir() / "detector").string(),
          "--vfps", "1", "--bucket-size", "4", "--workers", "2", "--batch", "2"};
}

CliResult run_pipeline(const fs::path& in, const fs::path& out, std::vector<std::string> extra = {},
                       const std::vector<std::string>& env = {}) {
  std::vector<std::string> args{"run", in.string(), "--out", out.string(), "--json"};
  for (const std::string& f : model_flags()) args.push_back(f);
  args.insert(args.end(), extra.begin(), extra.end());
  return run_cli(args, env);
}

// The output as a user sees it: everything but .tagforge and the report (which holds timings).
Snapshot output_of(const fs::path& out) {
  Snapshot s = snapshot(out);
  s.erase("report.html");
  return s;
}

// The paths whose bytes differ, or that only one side has ("" when none).
std::string differences(const Snapshot& got, const Snapshot& want) {
  std::string out;
  for (const auto& [path, bytes] : got) {
    auto w = want.find(path);
    if (w == want.end()) out += " extra:" + path;
    else if (w->second != bytes) out += " changed:" + path;
  }
  for (const auto& [path, bytes] : want) {
    if (!got.count(path)) out += " missing:" + path;
  }
  return out;
}

TEST(RunCli, BuildsTheDatasetAndLeavesTheInputAlone) {
  ASSERT_TRUE(fs::exists(kMedia / "sylvie blue smile.png")) << "run scripts/fetch_test_media.sh";
  const fs::path in = input_tree("run-in");
  const Snapshot before = snapshot(in);
  const fs::path out = fresh_dir("run-out");
  CliResult r = run_pipeline(in, out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["clips"], 2);
  EXPECT_EQ(summary["unknown"], 1);
  EXPECT_EQ(summary["broken"], 1);
  // 3 images, 3 GIF frames, 3 video frames (one per scene at 1 fps, each scene 1 s).
  EXPECT_EQ(summary["frames"], 6);
  EXPECT_EQ(summary["items"], 9);
  EXPECT_EQ(summary["complete"], 9);
  EXPECT_EQ(summary["stages"]["tagger"]["computed"], 9);
  EXPECT_EQ(summary["stages"]["detect"]["computed"], 9);
  EXPECT_EQ(snapshot(in), before);  // not one byte of the input changed

  const Snapshot s = output_of(out);
  // The sprites went to images_ (bucket size 4 media files), with all three sidecars.
  EXPECT_TRUE(s.count("images_1/blue.png"));
  EXPECT_TRUE(s.count("images_1/blue.caption"));
  EXPECT_TRUE(s.count("images_1/blue.aseg"));
  // The sidecar's tags come first, the tagger's follow; quality tags end the line.
  EXPECT_EQ(s.at("images_1/blue.txt").rfind("1girl, solo, blue_hair, smile", 0), 0u) << s.at("images_1/blue.txt");
  EXPECT_NE(s.at("images_1/blue.txt").find("accuracy_"), std::string::npos);
  // A caption the user wrote is kept and scored, not replaced; this one misses most of the
  // tags' facts, so it is flagged and filed for review.
  ASSERT_TRUE(s.count("review_1/green.caption"));
  EXPECT_EQ(s.at("review_1/green.caption"), "A girl with green hair stands in front of a plain white wall.");
  EXPECT_NE(s.at("review_1/green.txt").find("needs_review"), std::string::npos);
  EXPECT_EQ(summary["flagged"], 1);
  // Clips and their frames; the frames carry the clip's tags.
  EXPECT_TRUE(s.count("gifs_1/delays.gif"));
  EXPECT_TRUE(s.count("videos_1/cuts.mp4"));
  EXPECT_TRUE(s.count("processed_gifs_1/delays_s0_f0.png"));
  EXPECT_EQ(s.at("processed_gifs_1/delays_s0_f1.txt").rfind("no_humans, simple_background", 0), 0u);
  EXPECT_TRUE(s.count("processed_videos_1/cuts_s1_f10.png"));
  EXPECT_TRUE(s.count("unknown_files_1/notes.xyz"));
  EXPECT_TRUE(s.count("unknown_files_1/broken.png"));
  // Each image in OUT is a hard link of the input's: no bytes copied.
  EXPECT_EQ(fs::hard_link_count(out / "images_1" / "blue.png"), fs::hard_link_count(in / "blue.png"));
  EXPECT_GE(fs::hard_link_count(in / "blue.png"), 3u);  // input, work folder, bucket

  // kohya's metadata and Hugging Face's: one entry per image and frame.
  const auto kohya = nlohmann::json::parse(s.at("meta_cap_dd.json"));
  EXPECT_EQ(kohya.size(), 9u);
  EXPECT_EQ(kohya["review_1/green"]["caption"], "A girl with green hair stands in front of a plain white wall.");
  size_t lines = 0;
  for (char c : s.at("metadata.jsonl")) lines += c == '\n';
  EXPECT_EQ(lines, 9u);
  const std::string report = read_file(out / "report.html");
  EXPECT_NE(report.find("Caption scores"), std::string::npos);
  EXPECT_NE(report.find("Most frequent tags"), std::string::npos);

  // A re-run: everything from the manifest, the same bytes.
  CliResult again = run_pipeline(in, out);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto second = nlohmann::json::parse(again.out);
  for (const char* stage : {"tagger", "detect", "tags", "check", "caption", "score"}) {
    EXPECT_EQ(second["stages"][stage]["computed"], 0) << stage;
    EXPECT_EQ(second["stages"][stage]["reused"], 9) << stage;
  }
  EXPECT_EQ(differences(output_of(out), s), "");

  // A new trigger word re-runs the captions and their scores, and nothing else.
  CliResult trigger = run_pipeline(in, out, {"--trigger", "ohwx"});
  ASSERT_EQ(trigger.exit_code, 0) << trigger.err;
  const auto third = nlohmann::json::parse(trigger.out);
  EXPECT_EQ(third["stages"]["tagger"]["computed"], 0);
  EXPECT_EQ(third["stages"]["detect"]["computed"], 0);
  EXPECT_EQ(third["stages"]["caption"]["computed"], 9);
  EXPECT_EQ(third["stages"]["score"]["computed"], 9);
  EXPECT_EQ(read_file(out / "images_1" / "blue.caption").rfind("ohwx, ", 0), 0u);
  EXPECT_EQ(snapshot(in), before);

  // What leaves the input leaves the output: a deleted sprite, a renamed GIF (its frames follow).
  // Their tag files stay in the input with nothing beside them: like sort, the run files such
  // orphans under unknown_files.
  fs::remove(in / "blue.png");
  fs::rename(in / "sub" / "clips" / "delays.gif", in / "sub" / "clips" / "moved.gif");
  CliResult gone = run_pipeline(in, out, {"--trigger", "ohwx"});
  ASSERT_EQ(gone.exit_code, 0) << gone.err;
  const Snapshot after = output_of(out);
  for (const auto& [path, bytes] : after) {
    if (path.rfind("unknown_files_1/", 0) == 0) continue;
    EXPECT_EQ(path.find("blue."), std::string::npos) << path;
    EXPECT_EQ(path.find("delays"), std::string::npos) << path;
  }
  EXPECT_EQ(after.at("unknown_files_1/blue.txt"), "1girl, solo, blue_hair, smile");
  EXPECT_TRUE(after.count("gifs_1/moved.gif"));
  EXPECT_TRUE(after.count("processed_gifs_1/moved_s0_f0.png"));
  // The sprite with its caption and .aseg, the GIF, its 3 frames with their 3 sidecars each.
  EXPECT_EQ(nlohmann::json::parse(gone.out)["dropped"], 3 + 1 + 3 * 4);
  EXPECT_EQ(nlohmann::json::parse(read_file(out / "meta_cap_dd.json")).size(), 8u);
}

// Kills the run at crash point 1, 2, … (each time on a fresh `out` from
// `fresh_out`), re-runs it and holds the result to `want`, until a run gets
// through without reaching its crash point; returns how many points there were.
int kill_at_every_crash_point(const fs::path& in, const fs::path& out, const Snapshot& want,
                              const std::function<void()>& fresh_out,
                              const std::function<void(const CliResult& resumed, int n)>& check_resumed = {}) {
  for (int n = 1; n < 1000; ++n) {
    fresh_out();
    CliResult killed = run_pipeline(in, out, {}, {"TAGFORGE_TEST_CRASH_AFTER=" + std::to_string(n)});
    if (killed.exit_code == 0) return n - 1;
    EXPECT_EQ(killed.exit_code, -SIGKILL) << "crash point " << n << ": " << killed.err;
    CliResult resumed = run_pipeline(in, out);
    EXPECT_EQ(resumed.exit_code, 0) << "after a kill at crash point " << n << ": " << resumed.err;
    const std::string diff = differences(output_of(out), want);
    EXPECT_EQ(diff, "") << "after a kill at crash point " << n;
    if (killed.exit_code != -SIGKILL || resumed.exit_code != 0 || !diff.empty()) return -1;
    if (check_resumed) check_resumed(resumed, n);
  }
  return -1;
}

TEST(RunCli, KillNineAnywhereThenRerunGivesTheCleanRunsBytes) {
  const fs::path in = input_tree("run-crash-in");
  const fs::path clean = fresh_dir("run-crash-clean");
  ASSERT_EQ(run_pipeline(in, clean).exit_code, 0);
  const Snapshot want = output_of(clean);
  const fs::path out = fresh_dir("run-crash-out");
  const int points = kill_at_every_crash_point(in, out, want, [&] { fs::remove_all(out); });
  EXPECT_GT(points, 20) << "too few crash points to mean anything";
  std::printf("kill -9 at each of %d crash points, then a re-run: the clean run's bytes every time\n", points);
}

// A run's inode and modification time, to tell a file left alone from one written again.
std::string stamp(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return "missing";
  return std::to_string(st.st_ino) + ":" + std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

TEST(RunCli, KillNineDuringAnIncrementalRunThenRerunGivesTheCleanRunsBytes) {
  // A settled output, then new images in the input: a run that reuses nearly everything, and
  // files each placed where the settled run put it, the new ones in the gaps (one sorts first).
  const fs::path in = input_tree("run-crash-more-in");
  const fs::path base = fresh_dir("run-crash-more-base");
  ASSERT_EQ(run_pipeline(in, base).exit_code, 0);
  fs::copy_file(kMedia / "sylvie blue normal.png", in / "sub" / "more.png");
  write_file(in / "sub" / "more.txt", "1girl, blue_hair");
  fs::copy_file(kMedia / "sylvie green normal.png", in / "late.png");
  fs::copy_file(kMedia / "bg lecturehall.jpg", in / "a_first.jpg");
  auto from_base = [&](const fs::path& out) {
    fs::remove_all(out);
    // cp -a keeps the output's own hard links (work folder and buckets).
    ASSERT_EQ(std::system(("cp -a '" + base.string() + "' '" + out.string() + "'").c_str()), 0);
  };
  const fs::path clean = fresh_dir("run-crash-more-clean");
  from_base(clean);
  ASSERT_EQ(run_pipeline(in, clean).exit_code, 0);
  const Snapshot want = output_of(clean);
  const fs::path out = fresh_dir("run-crash-more-out");
  const int points = kill_at_every_crash_point(
      in, out, want, [&] { from_base(out); },
      [](const CliResult& resumed, int n) { EXPECT_EQ(nlohmann::json::parse(resumed.out)["items"], 12) << "crash point " << n; });
  EXPECT_EQ(differences(output_of(out), want), "");
  EXPECT_GT(points, 5) << "too few crash points to mean anything";
  std::printf("incremental run: kill -9 at each of %d crash points, then a re-run: the clean run's bytes\n", points);
}

// Each file stays in the bucket the last run put it in (as `sort` leaves a sorted folder): new
// files fill the gaps, and only files whose class changed move. --rebalance plans afresh.
TEST(RunCli, AGrownRunMovesOnlyWhatChanged) {
  const fs::path in = input_tree("run-sticky-in");
  const fs::path out = fresh_dir("run-sticky-out");
  // Two media files a bucket: the images span several.
  auto run = [](const fs::path& in, const fs::path& out, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"run", in.string(), "--out", out.string(), "--json"};
    for (const std::string& f : model_flags()) args.push_back(args.back() == "--bucket-size" ? "2" : f);
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cli(args);
  };
  ASSERT_EQ(run(in, out).exit_code, 0);
  const Snapshot before = output_of(out);
  auto inode_of = [&](const std::string& path) {
    const std::string s = stamp(out / path);
    return s.substr(0, s.find(':'));
  };
  std::map<std::string, std::string> inodes;
  for (const auto& [path, bytes] : before) {
    if (path.find('/') != std::string::npos) inodes[path] = inode_of(path);
  }
  // Two backgrounds that sort before everything, one of them taking the place of a sprite that goes.
  fs::copy_file(kMedia / "bg meadow.jpg", in / "a_first.jpg");
  write_file(in / "a_first.txt", "outdoors, grass, no_humans");
  fs::copy_file(kMedia / "bg club.jpg", in / "a_second.jpg");
  fs::remove(in / "green.png");
  fs::remove(in / "green.caption");
  CliResult grown = run(in, out);
  ASSERT_EQ(grown.exit_code, 0) << grown.err;
  const Snapshot after = output_of(out);
  size_t stayed = 0;
  for (const auto& [path, ino] : inodes) {
    if (path.find("green") != std::string::npos) {
      EXPECT_FALSE(after.count(path)) << path << " left the input but not the output";
      continue;
    }
    ASSERT_TRUE(after.count(path)) << path << " moved";
    if (path.size() > 4 && (path.substr(path.size() - 4) == ".png" || path.substr(path.size() - 4) == ".jpg")) {
      EXPECT_EQ(inode_of(path), ino) << path << " was placed again";
    }
    ++stayed;
  }
  EXPECT_GT(stayed, 20u);
  std::vector<std::string> news;
  for (const auto& [path, bytes] : after) {
    if (!before.count(path) && path.find('/') != std::string::npos) news.push_back(path);
  }
  // Only the new images, with their sidecars.
  size_t images = 0;
  for (const std::string& p : news) images += p.find("a_first.jpg") != std::string::npos || p.find("a_second.jpg") != std::string::npos;
  EXPECT_EQ(images, 2u) << ::testing::PrintToString(news);
  for (const std::string& p : news) EXPECT_EQ(p.find("/a_"), p.find('/')) << p << " moved";
  // A fresh run files the grown input otherwise (the new ones first); --rebalance gives its bytes.
  const fs::path fresh = fresh_dir("run-sticky-fresh");
  ASSERT_EQ(run(in, fresh).exit_code, 0);
  EXPECT_NE(differences(after, output_of(fresh)), "") << "the test would not tell the two plans apart";
  CliResult rebalanced = run(in, out, {"--rebalance"});
  ASSERT_EQ(rebalanced.exit_code, 0) << rebalanced.err;
  EXPECT_EQ(differences(output_of(out), output_of(fresh)), "");
}

TEST(RunCli, ASettledRunIsCheckedNotRedone) {
  const fs::path in = input_tree("run-settled-in");
  const fs::path out = fresh_dir("run-settled-out");
  CliResult first = run_pipeline(in, out);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(nlohmann::json::parse(first.out)["settled"], false);
  const Snapshot want = output_of(out);
  const std::vector<std::string> top{"metadata.jsonl", "meta_cap_dd.json", "report.html"};
  std::map<std::string, std::string> stamps;
  for (const std::string& f : top) stamps[f] = stamp(out / f);

  // Nothing changed: the same counts as a full re-run gives, nothing written.
  CliResult again = run_pipeline(in, out);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto summary = nlohmann::json::parse(again.out);
  EXPECT_EQ(summary["settled"], true);
  EXPECT_EQ(summary["items"], 9);
  EXPECT_EQ(summary["complete"], nlohmann::json::parse(first.out)["complete"]);
  for (const char* stage : {"tagger", "detect", "tags", "check", "caption", "score"}) {
    EXPECT_EQ(summary["stages"][stage]["computed"], 0) << stage;
    EXPECT_EQ(summary["stages"][stage]["reused"], 9) << stage;
  }
  for (const std::string& f : top) EXPECT_EQ(stamp(out / f), stamps[f]) << f << " was written again";
  EXPECT_EQ(differences(output_of(out), want), "");

  // A file taken out of a bucket is put back by the check.
  std::string a_tag_file;
  for (const auto& [path, bytes] : want) {
    if (path.size() > 4 && path.compare(path.size() - 4, 4, ".txt") == 0 && path.find('/') != std::string::npos) {
      a_tag_file = path;
      break;
    }
  }
  ASSERT_FALSE(a_tag_file.empty());
  fs::remove(out / a_tag_file);
  summary = nlohmann::json::parse(run_pipeline(in, out).out);
  EXPECT_EQ(summary["settled"], true);
  EXPECT_EQ(differences(output_of(out), want), "");

  // One edited in place (the work folder's file too: a hard link) is written again by a full run.
  { std::ofstream(out / a_tag_file, std::ios::trunc) << "edited by hand"; }
  summary = nlohmann::json::parse(run_pipeline(in, out).out);
  EXPECT_EQ(summary["settled"], false);
  EXPECT_EQ(differences(output_of(out), want), "");
  // No entry of the metadata files changed: they are left as they were.
  for (const char* f : {"metadata.jsonl", "meta_cap_dd.json"}) EXPECT_EQ(stamp(out / f), stamps[f]) << f;
  EXPECT_EQ(nlohmann::json::parse(run_pipeline(in, out).out)["settled"], true);

  // A report deleted: a full run writes it again.
  fs::remove(out / "report.html");
  summary = nlohmann::json::parse(run_pipeline(in, out).out);
  EXPECT_EQ(summary["settled"], false);
  EXPECT_TRUE(fs::exists(out / "report.html"));

  // A new image (no copy of one there: dedupe would set it aside): computed, the rest reused; then settled again.
  fs::copy_file(kMedia / "bg lecturehall.jpg", in / "late.jpg");
  summary = nlohmann::json::parse(run_pipeline(in, out).out);
  EXPECT_EQ(summary["settled"], false);
  EXPECT_EQ(summary["stages"]["tagger"]["computed"], 1);
  EXPECT_EQ(summary["stages"]["tagger"]["reused"], 9);
  EXPECT_NE(read_file(out / "metadata.jsonl").find("late.jpg"), std::string::npos);  // one more entry
  summary = nlohmann::json::parse(run_pipeline(in, out).out);
  EXPECT_EQ(summary["settled"], true);
  EXPECT_EQ(summary["stages"]["tagger"]["reused"], 10);

  // Another option: not the settled run's identity.
  summary = nlohmann::json::parse(run_pipeline(in, out, {"--trigger", "ohwx"}).out);
  EXPECT_EQ(summary["settled"], false);
  EXPECT_EQ(summary["stages"]["caption"]["computed"], 10);
}

// The look for changes of a settled re-run is a stat walk; these are the changes it must not miss.
TEST(RunCli, ASettledRunSeesAFolderGoAndComeBackAndTheWorkFolderTouched) {
  const fs::path in = input_tree("run-settled-folder-in");
  const fs::path out = fresh_dir("run-settled-folder-out");
  auto settled = [&] {
    CliResult r = run_pipeline(in, out);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out)["settled"].get<bool>();
  };
  EXPECT_FALSE(settled());
  EXPECT_TRUE(settled());
  const Snapshot whole = output_of(out);

  // A folder taken out whole: the walk never visits it, yet the run is a full one.
  const fs::path away = fresh_dir("run-settled-folder-away") / "clips";
  fs::rename(in / "sub" / "clips", away);
  EXPECT_FALSE(settled());
  const fs::path clean = fresh_dir("run-settled-folder-clean");
  ASSERT_EQ(run_pipeline(in, clean).exit_code, 0);
  EXPECT_EQ(differences(output_of(out), output_of(clean)), "");
  EXPECT_TRUE(settled());

  // Put back as it was: the probe memo still remembers it, but the folders differ from the record.
  fs::rename(away, in / "sub" / "clips");
  EXPECT_FALSE(settled());
  EXPECT_EQ(differences(output_of(out), whole), "");
  EXPECT_TRUE(settled());

  // A file of the work folder gone (the run's own tag file): a full run puts it back.
  const fs::path work_tags = out / ".tagforge" / "work" / "green.txt";
  ASSERT_TRUE(fs::exists(work_tags));
  fs::remove(work_tags);
  EXPECT_FALSE(settled());
  EXPECT_TRUE(fs::exists(work_tags));
  EXPECT_EQ(differences(output_of(out), whole), "");

  // The same file edited in place (through its link in OUT: one inode): the run's text comes back,
  // though the item's results are all reused (its sidecars are read again when their stamps moved).
  const std::string run_tags = read_file(work_tags);
  const fs::path placed_tags = out / "review_1" / "green.txt";
  ASSERT_TRUE(fs::equivalent(placed_tags, work_tags));
  {
    std::ofstream edit(placed_tags, std::ios::app);
    edit << ", edited_by_hand";
  }
  ASSERT_NE(read_file(work_tags), run_tags);
  EXPECT_FALSE(settled());
  EXPECT_EQ(read_file(work_tags), run_tags);
  EXPECT_EQ(differences(output_of(out), whole), "");

  // An input touched (the same bytes, a new time): looked at again, nothing computed.
  fs::last_write_time(in / "blue.png", fs::last_write_time(in / "blue.png") + std::chrono::seconds(5));
  CliResult touched = run_pipeline(in, out);
  auto summary = nlohmann::json::parse(touched.out);
  EXPECT_EQ(summary["settled"], false);
  EXPECT_EQ(summary["stages"]["tagger"]["computed"], 0);
  EXPECT_EQ(differences(output_of(out), whole), "");
  EXPECT_TRUE(settled());
}

// The run lock says whether its last holder finished; only after one that did not
// does a run walk both trees for temporaries (the kill tests above hold the rest).
TEST(RunCli, TemporariesAreSweptAfterARunThatDidNotFinish) {
  const fs::path in = input_tree("run-sweep-in");
  const fs::path out = fresh_dir("run-sweep-out");
  ASSERT_EQ(run_pipeline(in, out).exit_code, 0);
  const fs::path lock = out / ".tagforge" / "run.lock";
  EXPECT_EQ(read_file(lock), "finished\n");
  const Snapshot clean = output_of(out);
  // As a run killed while writing leaves them: its word in the lock, a sidecar's and a link's temporaries.
  write_file(lock, "writing\n");
  write_file(out / ".tagforge" / "work" / "blue.txt.tmp.4242.7", "half a tag li");
  write_file(out / "images_1" / ".tagforge-link-4242-1", "");
  fs::copy_file(kMedia / "sylvie blue normal.png", in / "late.png");  // so that the run is not settled
  CliResult r = run_pipeline(in, out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(out / ".tagforge" / "work" / "blue.txt.tmp.4242.7"));
  EXPECT_FALSE(fs::exists(out / "images_1" / ".tagforge-link-4242-1"));
  EXPECT_EQ(read_file(lock), "finished\n");
  fs::remove(in / "late.png");
  ASSERT_EQ(run_pipeline(in, out).exit_code, 0);
  EXPECT_EQ(differences(output_of(out), clean), "");
}

TEST(RunCli, AFileInTheWayOfABucketIsLeftAloneOnEveryRun) {
  const fs::path in = input_tree("run-in-the-way-in");
  const fs::path out = fresh_dir("run-in-the-way-out");
  write_file(out / "images_1" / "blue.png", "the user's own file");
  for (int run = 0; run < 2; ++run) {
    CliResult r = run_pipeline(in, out);
    EXPECT_EQ(r.exit_code, 1) << r.err;  // an error about one file, the rest done
    EXPECT_NE(r.out.find("in the way"), std::string::npos) << "run " << run << ": " << r.out;
    EXPECT_EQ(read_file(out / "images_1" / "blue.png"), "the user's own file") << "run " << run;
    EXPECT_TRUE(fs::exists(out / "images_1" / "blue.txt")) << "its sidecars were not in the way";
    EXPECT_EQ(read_file(out / "metadata.jsonl").find("blue.png"), std::string::npos) << "not placed: not listed";
    EXPECT_NE(read_file(out / "metadata.jsonl").find("green.png"), std::string::npos);
  }
}

TEST(RunCli, InPlaceWritesBesideTheInputAndSettles) {
  const fs::path in = input_tree("run-in-place");
  write_file(in / "blue.txt", "1girl, solo, blue_hair, smile, auto_bad_caption, accuracy_40, needs_review");
  const std::string png = read_file(in / "blue.png");
  auto run_in_place = [&](std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"run", in.string(), "--in-place", "--json"};
    for (const std::string& f : model_flags()) args.push_back(f);
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cli(args);
  };
  CliResult first = run_in_place();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(read_file(in / "blue.png"), png);
  // The old marks were a score of an old caption, not tags: gone, and new ones written.
  const std::string tags = read_file(in / "blue.txt");
  EXPECT_EQ(tags.rfind("1girl, solo, blue_hair, smile, ", 0), 0u) << tags;
  EXPECT_EQ(tags.find("auto_bad_caption"), std::string::npos) << tags;
  EXPECT_TRUE(fs::exists(in / "blue.caption"));
  EXPECT_TRUE(fs::exists(in / "sub" / "clips" / "delays_s0_f0.png"));  // frames beside their clip
  EXPECT_TRUE(fs::exists(in / "metadata.jsonl"));
  EXPECT_FALSE(fs::exists(in / "images_1"));  // no buckets in place
  // Once settled, a run computes nothing and changes nothing.
  ASSERT_EQ(run_in_place().exit_code, 0);
  const Snapshot settled = snapshot(in);
  CliResult again = run_in_place();
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto summary = nlohmann::json::parse(again.out);
  EXPECT_EQ(summary["items"], 9);  // its own frames are not taken for inputs
  for (const auto& [stage, counts] : summary["stages"].items()) EXPECT_EQ(counts["computed"], 0) << stage;
  Snapshot now = snapshot(in);
  now.erase("report.html");
  Snapshot want = settled;
  want.erase("report.html");
  EXPECT_EQ(differences(now, want), "");
  // A caption the user writes over the generated one is theirs from then on.
  write_file(in / "blue.caption", "My own words about a girl with blue hair.");
  ASSERT_EQ(run_in_place({"--trigger", "ohwx"}).exit_code, 0);
  EXPECT_EQ(read_file(in / "blue.caption"), "My own words about a girl with blue hair.");
  EXPECT_EQ(read_file(in / "sub" / "uni.caption").rfind("ohwx, ", 0), 0u);
}

// A full disk (a 1 MiB tmpfs as the output; needs root and mount): the run stops or fails items
// with errors, never crashes or leaves half-written files, and once there is room a re-run ends
// with the bytes of a clean run.
TEST(RunCli, ADiskThatFillsUpStopsCleanlyAndARerunFinishes) {
  const fs::path in = input_tree("run-full-in");
  const fs::path clean = fresh_dir("run-full-clean");
  ASSERT_EQ(run_pipeline(in, clean).exit_code, 0);
  const fs::path out = fresh_dir("run-full-out");
  if (std::system(("mount -t tmpfs -o size=1m tmpfs '" + out.string() + "' 2>/dev/null").c_str()) != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (not root, or no mount in this container)";
  }
  struct Unmount {
    fs::path dir;
    ~Unmount() { (void)std::system(("umount '" + dir.string() + "'").c_str()); }
  } unmount{out};
  CliResult full = run_pipeline(in, out);
  EXPECT_NE(full.exit_code, 0) << "1 MiB should not hold the output";
  EXPECT_GE(full.exit_code, 1) << full.err;  // an error exit, not a signal
  const std::string said = full.err + full.out;
  EXPECT_TRUE(said.find("No space left on device") != std::string::npos || said.find("disk is full") != std::string::npos)
      << said;
  for (const auto& [path, bytes] : snapshot(out)) {
    EXPECT_EQ(path.find(".tmp."), std::string::npos) << path << " is a half-written file";
  }
  ASSERT_EQ(std::system(("mount -o remount,size=64m '" + out.string() + "'").c_str()), 0);
  CliResult room = run_pipeline(in, out);
  ASSERT_EQ(room.exit_code, 0) << room.err;
  EXPECT_EQ(differences(output_of(out), output_of(clean)), "");
}

TEST(RunCli, StageByStageMakesTheSameBytes) {
  const fs::path in = input_tree("run-staged-in");
  const fs::path piped = fresh_dir("run-staged-piped"), staged = fresh_dir("run-staged-staged");
  ASSERT_EQ(run_pipeline(in, piped).exit_code, 0);
  CliResult r = run_pipeline(in, staged, {"--stage-by-stage"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary = nlohmann::json::parse(r.out);
  for (const char* stage : {"tagger", "detect", "tags", "caption"}) {
    EXPECT_EQ(summary["stages"][stage]["computed"], 9) << stage;  // each once, by its own pass
    EXPECT_EQ(summary["stages"][stage]["reused"], 0) << stage;
  }
  EXPECT_EQ(differences(output_of(staged), output_of(piped)), "");
}

TEST(RunCli, ConfigErrorsAndInit) {
  const fs::path in = input_tree("run-config-in");
  const fs::path out = fresh_dir("run-config-out");
  const fs::path config = fresh_dir("run-config") / "run-config.toml";
  // init writes every section; the file reads back, and a second init refuses to overwrite.
  CliResult init = run_cli({"init", config.string()});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  const std::string text = read_file(config);
  for (const char* section : {"[run]", "[models]", "[extract]", "[tag]", "[check]", "[caption]", "[score]", "[export]"}) {
    EXPECT_NE(text.find(section), std::string::npos) << section;
  }
  EXPECT_EQ(run_cli({"init", config.string()}).exit_code, 2);
  CliResult with_defaults = run_cli({"run", in.string(), "--out", out.string(), "--config", config.string(), "-q"});
  EXPECT_EQ(with_defaults.exit_code, 0) << with_defaults.err;

  write_file(config, "[caption]\ntriger = \"ohwx\"\n");
  CliResult typo = run_cli({"run", in.string(), "--out", out.string(), "--config", config.string()});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("run-config.toml: line 2: unknown key triger in [caption]; did you mean trigger?"),
            std::string::npos) << typo.err;
  write_file(config, "[run]\nbatch = \"eight\"\n");
  CliResult type = run_cli({"run", in.string(), "--out", out.string(), "--config", config.string()});
  EXPECT_EQ(type.exit_code, 2);
  EXPECT_NE(type.err.find("line 2: [run] batch wants a whole number, not a string"), std::string::npos) << type.err;
  // A key an earlier version had says what it is called now.
  write_file(config, "[models]\ncuda = true\n");
  CliResult renamed = run_cli({"run", in.string(), "--out", out.string(), "--config", config.string()});
  EXPECT_EQ(renamed.exit_code, 2);
  EXPECT_NE(renamed.err.find("line 2: [models] cuda is now device = \"cuda\""), std::string::npos) << renamed.err;
  write_file(config, "[models]\ndevice = \"gpu\"\n");
  CliResult device = run_cli({"run", in.string(), "--out", out.string(), "--config", config.string()});
  EXPECT_EQ(device.exit_code, 2);
  EXPECT_NE(device.err.find("[models] device must be cpu, cuda or cuda:N"), std::string::npos) << device.err;
  // The input is never the output.
  EXPECT_EQ(run_cli({"run", in.string(), "--out", in.string()}).exit_code, 2);
}

TEST(RunCli, EachModelStageSaysHowFastAndOnWhichDevice) {
  const fs::path in = input_tree("run-figures-in");
  const fs::path out = fresh_dir("run-figures-out");
  CliResult r = run_pipeline(in, out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary = nlohmann::json::parse(r.out);
  for (const char* stage : {"tagger", "detect", "phash"}) {
    const auto& s = summary["stages"][stage];
    EXPECT_EQ(s.value("device", ""), "cpu") << stage;
    EXPECT_GT(s.value("busy_seconds", 0.0), 0.0) << stage;
    // The images each took over its calls' summed time: what a stream of its calls manages.
    EXPECT_NEAR(s.value("images_per_busy_second", 0.0), 9 / s.value("busy_seconds", 1.0), 1e-6) << stage;
  }
  EXPECT_FALSE(summary["stages"]["tags"].contains("busy_seconds"));  // no pixels, no model: not timed
  for (const auto& m : summary["models"]) {  // those that ran (a default not installed here did not)
    EXPECT_EQ(m.value("device", ""), m["ran"] ? "cpu" : "") << m.dump();
  }
  // The review page reads them from the output.
  const auto kept = nlohmann::json::parse(read_file(out / ".tagforge" / "stages.json"));
  EXPECT_EQ(kept["stages"]["tagger"]["computed"], 9);
  EXPECT_EQ(kept["stages"]["tagger"]["device"], "cpu");
  EXPECT_EQ(kept["models"][0]["device"], "cpu");
  // A settled re-run computes nothing and leaves the figures of the run that did.
  ASSERT_EQ(run_pipeline(in, out).exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(read_file(out / ".tagforge" / "stages.json")), kept);

  // A GPU asked of a runtime without one: one clear error before any work, naming what it has.
  const fs::path gpu_out = fresh_dir("run-figures-gpu-out");
  CliResult gpu = run_pipeline(in, gpu_out, {"--device", "cuda:1"});
  if (gpu.exit_code == 0) GTEST_SKIP() << "this ONNX Runtime has CUDA";
  EXPECT_EQ(gpu.exit_code, 2);
  EXPECT_NE(gpu.err.find("cuda:1 was asked for, but the ONNX Runtime loaded has no CUDA execution provider (it has: "),
            std::string::npos)
      << gpu.err;
  EXPECT_NE(gpu.err.find("CPUExecutionProvider"), std::string::npos) << gpu.err;
  EXPECT_FALSE(fs::exists(gpu_out / "metadata.jsonl"));
}

TEST(RunCli, ABrokenModelTurnsOffOnlyItsStage) {
  const fs::path in = input_tree("run-broken-model-in");
  const fs::path out = fresh_dir("run-broken-model-out");
  const fs::path bad = fresh_dir("bad-tagger");
  fs::copy_file(test_models_dir() / "wd_v3" / "selected_tags.csv", bad / "selected_tags.csv");
  write_file(bad / "model.onnx", "not an onnx model");
  CliResult r = run_cli({"run", in.string(), "--out", out.string(), "--tagger", bad.string(), "--json"});
  EXPECT_EQ(r.exit_code, 1);
  const auto summary = nlohmann::json::parse(r.out);
  ASSERT_EQ(summary["model_errors"].size(), 1u);
  EXPECT_NE(summary["model_errors"][0].get<std::string>().find("model.onnx"), std::string::npos);
  EXPECT_FALSE(summary["stages"].contains("tagger"));
  EXPECT_EQ(summary["complete"], 9);  // captions from the existing tags, scores, buckets
  EXPECT_EQ(read_file(out / "images_1" / "blue.txt").rfind("1girl, solo, blue_hair, smile", 0), 0u)
      << read_file(out / "images_1" / "blue.txt");
}

// The last event of `kind` in the run's event log (for "item", the last for `path`).
nlohmann::json last_event(const fs::path& out, const std::string& kind, const std::string& path = "") {
  std::istringstream lines(read_file(out / ".tagforge" / "events.jsonl"));
  nlohmann::json last;
  for (std::string line; std::getline(lines, line);) {
    auto e = nlohmann::json::parse(line);
    if (e["event"] == kind && (kind != "item" || e["path"] == path)) last = e;
  }
  return last;
}
nlohmann::json last_item_event(const fs::path& out, const std::string& path) { return last_event(out, "item", path); }

// A real PNG, whole to the scan (every chunk in place), whose pixels do not inflate.
std::string damaged_png() {
  std::string png = read_file(kMedia / "sylvie green normal.png");
  const size_t idat = png.find("IDAT");
  EXPECT_NE(idat, std::string::npos);
  for (size_t k = idat + 8; idat != std::string::npos && k < idat + 72 && k < png.size(); ++k) {
    png[k] = char(png[k] ^ 0x5a);
  }
  return png;
}

TEST(RunCli, AnItemsOwnFailureIsKeptUntilRetryFailed) {
  const fs::path in = fresh_dir("run-own-failure-in");
  fs::copy_file(kMedia / "sylvie blue smile.png", in / "good.png");
  write_file(in / "bad.png", damaged_png());
  const fs::path out = fresh_dir("run-own-failure-out");

  CliResult first = run_pipeline(in, out);
  EXPECT_EQ(first.exit_code, 1) << first.err;
  auto s = nlohmann::json::parse(first.out);
  EXPECT_EQ(s["stages"]["tagger"]["computed"], 1) << first.out;
  EXPECT_EQ(s["stages"]["tagger"]["failed"], 1) << first.out;
  ASSERT_FALSE(s["errors"].empty());
  EXPECT_EQ(s["errors"][0]["path"], "bad.png");
  EXPECT_EQ(last_item_event(out, "bad.png")["computed"], nlohmann::json::array({"check", "detect", "phash", "quality", "tagger"}));

  // Nothing changed: the failure is kept, not computed again, and still reported.
  CliResult second = run_pipeline(in, out);
  EXPECT_EQ(second.exit_code, 1) << second.err;
  s = nlohmann::json::parse(second.out);
  EXPECT_EQ(s["stages"]["tagger"]["computed"], 0) << second.out;
  EXPECT_EQ(s["stages"]["tagger"]["failed"], 1) << second.out;
  EXPECT_EQ(s["errors"][0]["path"], "bad.png");
  EXPECT_TRUE(last_item_event(out, "bad.png")["computed"].empty()) << last_item_event(out, "bad.png");
  // The good one reused everything: counted in the run's end line, not logged on its own again.
  EXPECT_FALSE(last_item_event(out, "good.png")["computed"].empty()) << "the first run's line";
  EXPECT_EQ(last_event(out, "end")["items_all_reused"], 1) << last_event(out, "end");

  // --retry-failed decodes it again.
  CliResult third = run_pipeline(in, out, {"--retry-failed"});
  EXPECT_EQ(third.exit_code, 1) << third.err;
  EXPECT_EQ(last_item_event(out, "bad.png")["computed"], nlohmann::json::array({"check", "detect", "phash", "quality", "tagger"}));
}

// The export takes each item's facts as the items pass left them; an item that was complete and
// no longer is (its image stopped decoding) must not keep its old lines in the metadata files.
TEST(RunCli, AnItemThatNoLongerDecodesLeavesTheMetadataFiles) {
  const fs::path in = fresh_dir("run-stops-decoding-in");
  fs::copy_file(kMedia / "sylvie blue smile.png", in / "good.png");
  fs::copy_file(kMedia / "sylvie green normal.png", in / "later_bad.png");
  const fs::path out = fresh_dir("run-stops-decoding-out");
  CliResult first = run_pipeline(in, out);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_NE(read_file(out / "metadata.jsonl").find("later_bad.png"), std::string::npos);
  ASSERT_NE(read_file(out / "meta_cap_dd.json").find("later_bad"), std::string::npos);

  write_file(in / "later_bad.png", damaged_png());
  CliResult second = run_pipeline(in, out);
  EXPECT_EQ(second.exit_code, 1) << second.err;
  const auto s = nlohmann::json::parse(second.out);
  EXPECT_EQ(s["complete"], 1) << second.out;
  const std::string hf = read_file(out / "metadata.jsonl");
  EXPECT_EQ(hf.find("later_bad.png"), std::string::npos) << hf;
  EXPECT_NE(hf.find("good.png"), std::string::npos) << hf;
  EXPECT_EQ(read_file(out / "meta_cap_dd.json").find("later_bad"), std::string::npos);
}

// Without models, an image's caption and score need no pixels; its failed phash still means its
// sidecars were not written, and an item that is not written is not in the metadata files.
TEST(RunCli, AnItemWithAFailedStageIsNotInTheMetadataFiles) {
  const fs::path in = fresh_dir("run-failed-phash-in");
  fs::copy_file(kMedia / "sylvie blue smile.png", in / "good.png");
  write_file(in / "good.txt", "1girl, solo, smile");
  write_file(in / "bad.png", damaged_png());
  write_file(in / "bad.txt", "1girl, solo, blue_hair");
  const fs::path out = fresh_dir("run-failed-phash-out");
  CliResult r = run_cli({"run", in.string(), "--out", out.string(), "--json", "--tagger", "none", "--detectors", "none",
                         "--segmenter", "none", "--nsfw", "none"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto s = nlohmann::json::parse(r.out);
  EXPECT_EQ(s["complete"], 1) << r.out;
  EXPECT_EQ(s["stages"]["phash"]["failed"], 1) << r.out;
  const std::string hf = read_file(out / "metadata.jsonl");
  EXPECT_EQ(hf.find("bad.png"), std::string::npos) << hf;
  EXPECT_NE(hf.find("good.png"), std::string::npos) << hf;
  EXPECT_EQ(read_file(out / "meta_cap_dd.json").find("bad"), std::string::npos);
}

// The event log is appended to run after run; past 64 MiB it moves aside (the one before goes).
TEST(RunCli, TheEventLogIsKeptInBoundedSpace) {
  const fs::path in = fresh_dir("run-events-in");
  fs::copy_file(kMedia / "sylvie blue smile.png", in / "blue.png");
  const fs::path out = fresh_dir("run-events-out");
  ASSERT_EQ(run_pipeline(in, out).exit_code, 0);
  const fs::path log = out / ".tagforge" / "events.jsonl", older = out / ".tagforge" / "events.1.jsonl";
  const std::string first = read_file(log);
  EXPECT_FALSE(fs::exists(older));
  fs::resize_file(log, (uintmax_t{64} << 20) + 1);  // sparse: as big as many runs' lines
  write_file(older, "the log before\n");
  ASSERT_EQ(run_pipeline(in, out).exit_code, 0);
  EXPECT_EQ(fs::file_size(older), (uintmax_t{64} << 20) + 1);
  EXPECT_EQ(read_file(older).compare(0, first.size(), first), 0);
  const std::string now = read_file(log);
  EXPECT_EQ(now.find("{\"event\":\"start\""), 0u) << now.substr(0, 200);
  EXPECT_LT(now.size(), size_t{1} << 20);
  // Under the limit it is appended to.
  ASSERT_EQ(run_pipeline(in, out).exit_code, 0);
  EXPECT_EQ(read_file(log).compare(0, now.size(), now), 0);
  EXPECT_GT(read_file(log).size(), now.size());
}

TEST(RunCli, ShardsSplitTheItemsAndMergeEqualsOneRun) {
  const fs::path in = input_tree("run-shard-in");
  size_t items = 0, clips = 0;
  std::set<std::string> seen;
  std::vector<std::string> shards;
  for (int shard = 0; shard < 2; ++shard) {
    const fs::path out = fresh_dir("run-shard-out-" + std::to_string(shard));
    shards.push_back(out.string());
    CliResult r = run_pipeline(in, out, {"--shard", std::to_string(shard) + "/2"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto summary = nlohmann::json::parse(r.out);
    items += summary["items"].get<size_t>();
    clips += summary["clips"].get<size_t>();
    for (const auto& [path, bytes] : output_of(out)) {
      if (path.find('/') == std::string::npos) continue;  // metadata files
      EXPECT_TRUE(seen.insert(path).second) << path << " is in both shards";
    }
  }
  EXPECT_EQ(items, 9u);
  EXPECT_EQ(clips, 2u);
  EXPECT_EQ(run_cli({"run", in.string(), "--out", "/tmp/x", "--shard", "2/2"}).exit_code, 2);

  // The shards merged are the run that did it all, byte for byte.
  const fs::path whole = fresh_dir("run-shard-whole");
  ASSERT_EQ(run_pipeline(in, whole).exit_code, 0);
  const fs::path merged = fresh_dir("run-shard-merged");
  std::vector<std::string> args{"merge"};
  args.insert(args.end(), shards.begin(), shards.end());
  for (const std::string& a : {std::string("--out"), merged.string(), std::string("--bucket-size"), std::string("4")}) {
    args.push_back(a);
  }
  CliResult m = run_cli(args);
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_EQ(differences(output_of(merged), output_of(whole)), "");
  EXPECT_NE(read_file(merged / "report.html").find("Caption scores"), std::string::npos);
  // Merging into one of the shards is refused.
  args[args.size() - 3] = shards[0];
  EXPECT_EQ(run_cli(args).exit_code, 2);
}

}  // namespace
}  // namespace tagforge::e2e
