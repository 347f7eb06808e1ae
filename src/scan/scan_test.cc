#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <algorithm>
#include <filesystem>
#include <map>
#include <unordered_map>

#include "media_fixtures.h"
#include "scan/integrity.h"
#include "scan/sniff.h"
#include "tagforge/scan.h"

namespace tagforge {
namespace {

namespace fs = std::filesystem;
using namespace tagforge::testing;

class StringReader : public RandomReader {
 public:
  explicit StringReader(std::string s) : s_(std::move(s)) {}
  long read_at(uint64_t off, void* buf, size_t n) override {
    if (off >= s_.size()) return 0;
    n = std::min<size_t>(n, s_.size() - off);
    std::memcpy(buf, s_.data() + off, n);
    return static_cast<long>(n);
  }
  uint64_t size() const override { return s_.size(); }

 private:
  std::string s_;
};

ProbeResult probe(const std::string& bytes) {
  auto head = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  StringReader r(bytes);
  return probe_media(r, sniff_format(head));
}

struct Case {
  const char* name;
  std::string bytes;
  MediaFormat want;
};

TEST(Sniff, EveryFormatFromItsBytes) {
  const Case cases[] = {
      {"jpeg", jpeg_bytes(), MediaFormat::kJpeg},
      {"png", png_bytes(), MediaFormat::kPng},
      {"apng", apng_bytes(), MediaFormat::kApng},
      {"gif still", gif_bytes(1), MediaFormat::kGif},
      {"gif animated", gif_bytes(3), MediaFormat::kGifAnimated},
      {"webp", webp_bytes(false), MediaFormat::kWebp},
      {"webp animated", webp_bytes(true), MediaFormat::kWebpAnimated},
      {"bmp", bmp_bytes(), MediaFormat::kBmp},
      {"avif", avif_bytes(), MediaFormat::kAvif},
      {"heif", heif_bytes(), MediaFormat::kHeif},
      {"jxl", jxl_bytes(), MediaFormat::kJxl},
      {"mp4", mp4_bytes(), MediaFormat::kMp4},
      {"mov", mov_bytes(), MediaFormat::kMov},
      {"webm", webm_bytes(), MediaFormat::kWebm},
      {"mkv", mkv_bytes(), MediaFormat::kMkv},
      {"avi", avi_bytes(), MediaFormat::kAvi},
  };
  for (const auto& c : cases) {
    ProbeResult r = probe(c.bytes);
    EXPECT_EQ(r.format, c.want) << c.name;
    EXPECT_FALSE(r.truncated) << c.name << ": " << r.detail;
  }
  EXPECT_EQ(probe("<html>not an image</html>").format, MediaFormat::kUnknown);
  EXPECT_EQ(probe("").format, MediaFormat::kUnknown);
}

TEST(Sniff, CuttingAFileShortIsTruncated) {
  // JXL has no cheap completeness check, so it is not in this list.
  const std::pair<const char*, std::string> cases[] = {
      {"jpeg", jpeg_bytes()}, {"png", png_bytes()},   {"apng", apng_bytes()},     {"gif", gif_bytes(1)},
      {"gif3", gif_bytes(3)}, {"webp", webp_bytes(false)}, {"bmp", bmp_bytes()}, {"avif", avif_bytes()},
      {"mp4", mp4_bytes()},   {"webm", webm_bytes()},  {"avi", avi_bytes()},
  };
  for (const auto& [name, bytes] : cases) {
    const std::string cut = bytes.substr(0, bytes.size() - 3);
    ProbeResult r = probe(cut);
    EXPECT_TRUE(r.truncated) << name;
    EXPECT_FALSE(r.detail.empty()) << name;
  }
}

TEST(Sniff, ReadsOnlyTheFirst64BytesToIdentify) {
  std::string late = std::string(64, '\0') + "\xFF\xD8\xFF";
  auto head = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(late.data()), late.size());
  EXPECT_EQ(sniff_format(head), MediaFormat::kUnknown);
}

TEST(Sidecar, TagsVersusCaptions) {
  EXPECT_EQ(classify_sidecar_text("1girl, solo, long hair, smile", 4), SidecarKind::kTags);
  EXPECT_EQ(classify_sidecar_text("1girl, solo, looking at viewer, hair between eyes", 4), SidecarKind::kTags);
  EXPECT_EQ(classify_sidecar_text("A girl with long blonde hair, sitting on a bench, wearing a red dress.", 4),
            SidecarKind::kCaption);
  EXPECT_EQ(classify_sidecar_text("A photograph of a small red fox standing in deep fresh snow", 4),
            SidecarKind::kCaption);
  EXPECT_EQ(classify_sidecar_text("  \n\t ", 4), SidecarKind::kEmpty);
  EXPECT_EQ(classify_sidecar_text(",,,", 4), SidecarKind::kEmpty);
  EXPECT_EQ(classify_sidecar_text("^_^, :d, >_<", 4), SidecarKind::kTags);
  // The threshold is configurable: with 12 words allowed, the long item is a tag.
  EXPECT_EQ(classify_sidecar_text("A photograph of a small red fox standing in deep fresh snow", 12),
            SidecarKind::kTags);
}

TEST(Scan, MasksAndAsegFilesTravelWithTheirImage) {
  auto root = testing::fresh_temp_dir("scan-masks");
  write_file(root / "a.png", png_bytes());
  write_file(root / "a.mask.png", png_bytes(1));     // tagforge segment's mask: a sidecar of a.png
  write_file(root / "a.aseg", "tagforge-aseg 1\n");
  write_file(root / "b.jpg", jpeg_bytes());
  write_file(root / "b.jpg.mask.PNG", png_bytes(2));  // the long form, any case
  write_file(root / "c.mask.png", png_bytes(3));     // nobody's: an orphan, not an image
  auto r = scan_tree(root, ScanOptions{});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const ScanCounts c = r->counts();
  EXPECT_EQ(c.images, 2u);
  EXPECT_EQ(c.sidecar_mask, 2u);  // c.mask.png counts as orphaned
  EXPECT_EQ(c.sidecar_aseg, 1u);
  EXPECT_EQ(c.orphan_sidecars, 1u);
  ASSERT_EQ(r->items.size(), 3u);
  EXPECT_EQ(r->items[0].name, "a.png");
  ASSERT_EQ(r->items[0].sidecars.size(), 2u);
  EXPECT_EQ(r->items[0].sidecars[1].name, "a.mask.png");
  EXPECT_EQ(r->items[0].sidecars[1].kind, SidecarKind::kMask);
  EXPECT_FALSE(r->items[0].tagged());  // a mask is not a tag
  EXPECT_EQ(r->items[1].sidecars.at(0).name, "b.jpg.mask.PNG");
  EXPECT_TRUE(r->items[2].orphan_sidecar);
}

TEST(Scan, PairsSidecarsAndCountsEveryClass) {
  auto root = testing::fresh_temp_dir("scan-pairs");
  write_file(root / "a.png", png_bytes());
  write_file(root / "a.txt", "1girl, solo");
  write_file(root / "a.png.json", "{}");
  write_file(root / "b.jpg", jpeg_bytes());
  write_file(root / "b.jpg.txt", "A long caption that reads like prose about the picture.");
  write_file(root / "c.png", png_bytes());
  write_file(root / "c.txt", "");
  write_file(root / "lonely.txt", "1girl");
  write_file(root / "sub/d.gif", gif_bytes(2));
  write_file(root / "sub/v.mp4", mp4_bytes());
  write_file(root / "zero.jpg", "");
  write_file(root / "html.png", "<html>");
  write_file(root / "x.dat", "data");
  fs::create_symlink("/etc", root / "escape");
  fs::create_symlink(".", root / "sub/loop");
  fs::create_directories(root / ".tagforge/journals");
  write_file(root / ".tagforge/journals/ignored.png", png_bytes());

  auto r = scan_tree(root, ScanOptions{});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const ScanCounts c = r->counts();
  EXPECT_EQ(c.images, 3u);
  EXPECT_EQ(c.animations, 1u);
  EXPECT_EQ(c.videos, 1u);
  EXPECT_EQ(c.tagged, 2u);      // a (tags), b (caption); c's sidecar is empty
  EXPECT_EQ(c.untagged, 3u);    // c, d, v
  EXPECT_EQ(c.sidecar_tags, 1u);
  EXPECT_EQ(c.sidecar_captions, 1u);
  EXPECT_EQ(c.sidecar_json, 1u);
  EXPECT_EQ(c.sidecar_empty, 1u);
  EXPECT_EQ(c.orphan_sidecars, 1u);
  EXPECT_EQ(c.zero_byte, 1u);
  EXPECT_EQ(c.extension_lies, 1u);
  EXPECT_EQ(c.unknown, 1u);
  EXPECT_EQ(c.symlinks, 2u);
  EXPECT_EQ(c.files, 13u);  // the .tagforge folder is not scanned
  const Item* a = nullptr;
  for (const auto& it : r->items) {
    if (it.name == "a.png") a = &it;
  }
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->sidecars.size(), 2u);
  fs::remove_all(root);
}

TEST(Scan, AmbiguousStemPrefersUsableMediaAndSaysSo) {
  auto root = testing::fresh_temp_dir("scan-ambiguous");
  write_file(root / "a.psd", "not media");
  write_file(root / "a.png", png_bytes());
  write_file(root / "a.txt", "1girl");
  auto r = scan_tree(root, ScanOptions{});
  ASSERT_TRUE(r.ok());
  for (const auto& it : r->items) {
    if (it.name == "a.png") {
      EXPECT_EQ(it.sidecars.size(), 1u);
    }
    if (it.name == "a.psd") {
      EXPECT_TRUE(it.sidecars.empty());
    }
  }
  ASSERT_EQ(r->notes.size(), 1u);
  EXPECT_EQ(r->notes[0].path, "a.txt");
  fs::remove_all(root);
}

TEST(Scan, SidecarsPairByExactNameFirstThenByStem) {
  auto root = testing::fresh_temp_dir("scan-pairing");
  write_file(root / "b.gif", "");             // broken: comes first, loses the shared sidecar
  write_file(root / "b.jpg", jpeg_bytes());
  write_file(root / "b.txt", "1girl, solo");  // shared by b.gif and b.jpg
  write_file(root / "b.gif.txt", "animated");  // exactly b.gif's
  write_file(root / "c.txt", "no media");
  auto r = scan_tree(root, ScanOptions{});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->items.size(), 3u);
  EXPECT_EQ(r->items[0].name, "b.gif");
  ASSERT_EQ(r->items[0].sidecars.size(), 1u);
  EXPECT_EQ(r->items[0].sidecars[0].name, "b.gif.txt");
  EXPECT_EQ(r->items[0].problem, FileProblem::kZeroByte);
  EXPECT_EQ(r->items[1].name, "b.jpg");
  ASSERT_EQ(r->items[1].sidecars.size(), 1u);
  EXPECT_EQ(r->items[1].sidecars[0].name, "b.txt");
  EXPECT_EQ(r->items[1].sidecars[0].kind, SidecarKind::kTags);  // probed after it was attached
  EXPECT_EQ(r->items[2].name, "c.txt");
  EXPECT_TRUE(r->items[2].orphan_sidecar);
  EXPECT_EQ(r->items[2].size, 8u);
  fs::remove_all(root);
}

TEST(Scan, TheReviewMarkIsFoundOnlyWhenAskedAndOnlyAsAWholeEntry) {
  auto root = testing::fresh_temp_dir("scan-review");
  write_file(root / "a.png", png_bytes(1));
  write_file(root / "a.txt", "1girl, solo, " + std::string(200, 'x') + ", needs_review\n");  // past the 64 bytes
  write_file(root / "b.png", png_bytes(2));
  write_file(root / "b.txt", "1girl, not_needs_review, needs_review_later");
  ScanOptions opt;
  opt.classify_sidecars = false;  // as the sorter scans
  auto plain = scan_tree(root, opt);
  ASSERT_TRUE(plain.ok());
  for (const auto& it : plain->items) EXPECT_FALSE(it.needs_review()) << it.name;
  opt.review_tag = "needs_review";
  auto r = scan_tree(root, opt);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->items.size(), 2u);
  EXPECT_TRUE(r->items[0].needs_review());
  EXPECT_FALSE(r->items[1].needs_review());
  fs::remove_all(root);
}

// One line per item and note: where it is, what it is, what travels with it.
std::vector<std::string> describe(const ScanResult& r) {
  std::vector<std::string> out;
  for (const Item& it : r.items) {
    std::string line = r.relative_path(it) + " " + std::string(format_name(it.format)) + " " +
                       std::string(problem_name(it.problem)) + (it.orphan_sidecar ? " orphan" : "");
    for (const Sidecar& sc : it.sidecars) line += " +" + sc.name + ":" + std::string(sidecar_kind_name(sc.kind));
    out.push_back(line);
  }
  for (const ScanNote& n : r.notes) out.push_back("note " + n.path + ": " + n.message);
  for (const std::string& s : r.symlinks) out.push_back("symlink " + s);
  return out;
}

TEST(Scan, FolderByFolderFindsWhatTheWholeScanFinds) {
  auto root = testing::fresh_temp_dir("scan-folders");
  write_file(root / "a.png", png_bytes());
  write_file(root / "a.txt", "1girl, solo");
  write_file(root / "b.psd", "not media");
  write_file(root / "b.png", png_bytes(2));
  write_file(root / "b.txt", "1girl");  // shared: a note
  write_file(root / "sub/d.gif", gif_bytes(2));
  write_file(root / "sub/d.gif.txt", "smile");
  write_file(root / "sub/deeper/z.jpg", "");
  write_file(root / "sub2/x10.png", png_bytes(3));
  write_file(root / "sub2/x9.png", png_bytes(4));
  write_file(root / "sub2/lonely.caption", "A girl.");
  fs::create_directories(root / "empty");
  fs::create_symlink("/etc", root / "sub2/escape");
  auto whole = scan_tree(root, ScanOptions{});
  ASSERT_TRUE(whole.ok());

  std::vector<std::string> folders, seen;
  Status st = scan_folders(root, ScanOptions{}, [&](ScanResult&& folder) {
    EXPECT_EQ(folder.dirs.size(), 1u);
    EXPECT_EQ(folder.root, whole->root);
    folders.push_back(folder.dirs[0]);
    for (const std::string& line : describe(folder)) seen.push_back(line);
    return ok_status();
  });
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  const std::vector<std::string> want = describe(*whole);
  EXPECT_EQ(seen.size(), want.size());
  // Notes may come with another folder than in the whole scan; items come in the same order.
  std::vector<std::string> a = seen, b = want;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);
  std::vector<std::string> item_lines;
  for (const std::string& line : seen) {
    if (line.rfind("note ", 0) != 0 && line.rfind("symlink ", 0) != 0) item_lines.push_back(line);
  }
  EXPECT_EQ(item_lines, std::vector<std::string>(want.begin(), want.begin() + whole->items.size()));
  EXPECT_EQ(folders, (std::vector<std::string>{"", "empty", "sub", "sub/deeper", "sub2"}));

  // An error from the visitor stops the scan and comes back.
  size_t visits = 0;
  st = scan_folders(root, ScanOptions{}, [&](ScanResult&&) -> Status {
    ++visits;
    return Error{ErrorCode::kIo, "stop here", {}};
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "stop here");
  EXPECT_EQ(visits, 1u);
  fs::remove_all(root);
}

// list_folders is the cheap half of a look for changes: the same folders as scan_folders, and
// in each exactly the files the scan's items and sidecars are made of.
TEST(Scan, ListingFoldersNamesWhatTheScanWalks) {
  auto root = testing::fresh_temp_dir("list-folders");
  write_file(root / "a.png", png_bytes());
  write_file(root / "a.txt", "1girl, solo");
  write_file(root / "b.png", png_bytes(2));
  write_file(root / "b.txt", "1girl");
  write_file(root / "sub/d.gif", gif_bytes(2));
  write_file(root / "sub/deeper/z.jpg", "");
  write_file(root / "skipped/x.png", png_bytes(3));
  write_file(root / ".tagforge/manifest.sqlite", "state, not input");
  fs::create_directories(root / "empty");
  fs::create_symlink("/etc", root / "sub/escape");
  ScanOptions options;
  options.exclude.push_back(root / "skipped");

  std::map<std::string, size_t> scanned;
  ASSERT_TRUE(scan_folders(root, options, [&](ScanResult&& folder) {
                size_t& n = scanned[folder.dirs[0]];  // the walk's notes come last, as the root's
                for (const Item& it : folder.items) n += 1 + it.sidecars.size();
                return ok_status();
              }).ok());
  std::map<std::string, size_t> listed;
  std::vector<std::string> order;
  ASSERT_TRUE(list_folders(root, options.exclude, [&](const std::string& dir, const std::vector<std::string>& files) {
                listed[dir] = files.size();
                order.push_back(dir);
                return ok_status();
              }).ok());
  EXPECT_EQ(listed, scanned);
  EXPECT_EQ(order, (std::vector<std::string>{"", "empty", "sub", "sub/deeper"}));
  EXPECT_EQ(listed[""], 4u);
  EXPECT_EQ(listed["sub"], 1u);  // the symlink is not a file
  EXPECT_FALSE(list_folders(root / "nope", {}, [](const std::string&, const std::vector<std::string>&) {
                 return ok_status();
               }).ok());
  fs::remove_all(root);
}

// A memo in memory, counting what the scan asks of it.
class MapMemo : public ProbeMemo {
 public:
  std::unordered_map<std::string, ProbedFile> recall(const std::string& dir) override { return folders[dir]; }
  void keep(const std::string& dir, std::vector<std::pair<std::string, ProbedFile>>&& files) override {
    kept.push_back(dir);
    auto& f = folders[dir];
    f.clear();
    for (auto& [name, probed] : files) f.emplace(name, std::move(probed));
  }
  std::map<std::string, std::unordered_map<std::string, ProbedFile>> folders;
  std::vector<std::string> kept;
};

TEST(Scan, AMemoSparesOpeningWhatHasNotChangedAndSeesWhatHas) {
  auto root = testing::fresh_temp_dir("scan-memo");
  write_file(root / "a.png", png_bytes());
  write_file(root / "a.txt", "1girl, solo");
  write_file(root / "b.psd", "not media");
  write_file(root / "b.png", png_bytes(2));
  write_file(root / "b.txt", "1girl");  // shared: a note, so never trusted to the memo
  write_file(root / "sub/d.gif", gif_bytes(2));
  write_file(root / "sub/d.gif.txt", "smile");
  write_file(root / "sub/deeper/z.jpg", "");  // zero bytes: a note
  MapMemo memo;
  ScanOptions opt;
  opt.memo = &memo;
  opt.keep_text = true;
  std::map<std::string, const Item*> by_name;
  std::vector<std::string> lines;
  std::vector<ScanResult> folders;
  auto scan = [&] {
    lines.clear();
    folders.clear();
    memo.kept.clear();
    Status st = scan_folders(root, opt, [&](ScanResult&& folder) {
      for (const std::string& line : describe(folder)) lines.push_back(line);
      folders.push_back(std::move(folder));
      return ok_status();
    });
    ASSERT_TRUE(st.ok()) << st.error().to_string();
    by_name.clear();
    for (const ScanResult& f : folders) {
      for (const Item& it : f.items) by_name[f.relative_path(it)] = &it;
    }
  };
  scan();
  const std::vector<std::string> first = lines;
  EXPECT_EQ(memo.kept, (std::vector<std::string>{"", "sub", "sub/deeper"}));
  EXPECT_FALSE(by_name.at("a.png")->recalled);
  ASSERT_EQ(by_name.at("a.png")->sidecars.size(), 1u);
  EXPECT_TRUE(by_name.at("a.png")->sidecars[0].has_text);
  EXPECT_EQ(by_name.at("a.png")->sidecars[0].text, "1girl, solo");

  // Nothing changed: the same findings, the same notes, nothing kept again; what gave no note is recalled.
  scan();
  EXPECT_EQ(lines, first);
  EXPECT_TRUE(memo.kept.empty());
  EXPECT_TRUE(by_name.at("a.png")->recalled);
  EXPECT_TRUE(by_name.at("a.png")->sidecars[0].recalled);
  EXPECT_EQ(by_name.at("a.png")->sidecars[0].text, "1girl, solo");  // the text, from the memo
  EXPECT_TRUE(by_name.at("sub/d.gif")->recalled);
  EXPECT_EQ(by_name.at("sub/d.gif")->format, MediaFormat::kGifAnimated);
  EXPECT_FALSE(by_name.at("sub/deeper/z.jpg")->recalled);  // noted: looked at again
  EXPECT_EQ(by_name.at("sub/deeper/z.jpg")->problem, FileProblem::kZeroByte);

  // A file cut short and a tag file rewritten: their folder is probed again and kept anew.
  write_file(root / "a.png", png_bytes().substr(0, 40));
  write_file(root / "sub/d.gif.txt", "smile, open_mouth");
  scan();
  EXPECT_EQ(memo.kept, (std::vector<std::string>{"", "sub"}));
  EXPECT_FALSE(by_name.at("a.png")->recalled);
  EXPECT_EQ(by_name.at("a.png")->problem, FileProblem::kTruncated);
  EXPECT_TRUE(by_name.at("b.png")->recalled);
  ASSERT_EQ(by_name.at("sub/d.gif")->sidecars.size(), 1u);
  EXPECT_FALSE(by_name.at("sub/d.gif")->sidecars[0].recalled);
  EXPECT_EQ(by_name.at("sub/d.gif")->sidecars[0].text, "smile, open_mouth");
  EXPECT_TRUE(by_name.at("sub/d.gif")->recalled);

  // A file gone and one new: the folder is kept anew, without the gone one.
  fs::remove(root / "b.psd");
  write_file(root / "c.png", png_bytes(3));
  scan();
  EXPECT_EQ(memo.kept, (std::vector<std::string>{""}));
  EXPECT_EQ(memo.folders[""].count("b.psd"), 0u);
  EXPECT_FALSE(by_name.at("c.png")->recalled);
  fs::remove_all(root);
}

TEST(Scan, MissingRootIsAnErrorNamingIt) {
  auto r = scan_tree("/nonexistent/tagforge", ScanOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().path, "/nonexistent/tagforge");
}

}  // namespace
}  // namespace tagforge
