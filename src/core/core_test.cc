#include <gtest/gtest.h>

#include <random>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/atomic_file.h"
#include "core/base64.h"
#include "core/crc32c.h"
#include "core/dir_handles.h"
#include "core/fs_ops.h"
#include "core/journal.h"
#include "core/natural_order.h"
#include "core/path_text.h"
#include "media_fixtures.h"

namespace tagforge {
namespace {

namespace fs = std::filesystem;

TEST(NaturalOrder, NumbersCompareByValue) {
  EXPECT_TRUE(natural_less("img2.png", "img10.png"));
  EXPECT_FALSE(natural_less("img10.png", "img2.png"));
  EXPECT_TRUE(natural_less("a1", "a01"));  // equal value: fewer zeros first
  EXPECT_TRUE(natural_less("Apple", "banana"));  // case folded
  EXPECT_NE(natural_compare("A", "a"), 0);        // but still a total order
  EXPECT_EQ(natural_compare("x", "x"), 0);
  EXPECT_TRUE(natural_less("img9", "img10b"));
  EXPECT_TRUE(natural_less("", "a"));
}

// The definition, read literally: no shortcut for common prefixes.
int reference_natural_compare(std::string_view a, std::string_view b) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  auto fold = [](char c) { return static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c + 32 : c); };
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      size_t si = i, sj = j;
      while (si < a.size() && a[si] == '0') ++si;
      while (sj < b.size() && b[sj] == '0') ++sj;
      size_t ei = si, ej = sj;
      while (ei < a.size() && digit(a[ei])) ++ei;
      while (ej < b.size() && digit(b[ej])) ++ej;
      if (ei - si != ej - sj) return (ei - si) < (ej - sj) ? -1 : 1;
      if (int c = a.substr(si, ei - si).compare(b.substr(sj, ej - sj)); c != 0) return c < 0 ? -1 : 1;
      if (ei - i != ej - j) return (ei - i) < (ej - j) ? -1 : 1;
      i = ei;
      j = ej;
      continue;
    }
    if (fold(a[i]) != fold(b[j])) return fold(a[i]) < fold(b[j]) ? -1 : 1;
    ++i;
    ++j;
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

TEST(NaturalOrder, AgreesWithTheDefinitionOnRandomNames) {
  std::mt19937 rng(7);
  const std::string alphabet = "0019aAbB._";
  auto random_name = [&] {
    std::string s(rng() % 8, ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    return s;
  };
  for (int k = 0; k < 200000; ++k) {
    std::string a = random_name(), b = random_name();
    if (rng() % 2) b = a.substr(0, rng() % (a.size() + 1)) + b;  // common prefixes, the shortcut's case
    ASSERT_EQ(natural_compare(a, b), reference_natural_compare(a, b)) << "'" << a << "' vs '" << b << "'";
  }
}

TEST(PathText, EscapesWhatCouldForgeOutput) {
  EXPECT_EQ(printable_path("plain.png"), "plain.png");
  EXPECT_EQ(printable_path("new\nline"), "new\\nline");
  EXPECT_EQ(printable_path("bad\xff"), "bad\\xff");
  EXPECT_EQ(printable_path("back\\slash"), "back\\\\slash");
  EXPECT_EQ(printable_path("画像"), "画像");
  EXPECT_TRUE(is_valid_utf8(printable_path("\xc0\xaf\xed\xa0\x80\x1b")));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));  // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));  // surrogate
}

TEST(Base64, RoundTripsEveryLengthAndRejectsWhatIsNotBase64) {
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");  // RFC 4648's vectors
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64_decode("Zm9vYg==").value_or("?"), "foob");
  EXPECT_EQ(base64_decode("Zm9vYmE=").value_or("?"), "fooba");
  EXPECT_EQ(base64_decode("").value_or("?"), "");
  std::mt19937 rng(5);
  for (size_t n = 0; n < 70; ++n) {
    std::string bytes(n, '\0');
    for (char& c : bytes) c = char(rng() & 0xff);
    const auto back = base64_decode(base64(bytes));
    ASSERT_TRUE(back.has_value()) << n;
    EXPECT_EQ(*back, bytes) << n;
  }
  for (const char* bad : {"Zm9", "Zm9v!A==", "Z===", "Zm=v", "Zg=A"}) EXPECT_FALSE(base64_decode(bad)) << bad;
}

TEST(Crc32c, KnownVector) {
  // RFC 3720 test vector: 32 bytes of zeros.
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
}

TEST(AtomicFile, WritesAndRefusesToOverwrite) {
  auto dir = testing::fresh_temp_dir("test-atomic");
  auto p = dir / "a.txt";
  ASSERT_TRUE(write_file_atomic(p, "first").ok());
  EXPECT_EQ(testing::read_file(p), "first");
  auto again = write_file_atomic(p, "second");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kExists);
  EXPECT_EQ(testing::read_file(p), "first");
  ASSERT_TRUE(write_file_atomic(p, "third", Overwrite::kReplace).ok());
  EXPECT_EQ(testing::read_file(p), "third");
  // No temporary file is left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  // Replacing keeps the permissions of what was there.
  fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_TRUE(write_file_atomic(p, "fourth", Overwrite::kReplace).ok());
  EXPECT_EQ(fs::status(p).permissions(), fs::perms::owner_read | fs::perms::owner_write);
  fs::remove_all(dir);
}

TEST(FileHolds, TellsTheSameBytesFromEveryOtherFile) {
  auto dir = testing::fresh_temp_dir("test-file-holds");
  ASSERT_TRUE(write_file_atomic(dir / "a.txt", "1girl, solo").ok());
  EXPECT_TRUE(file_holds(dir / "a.txt", "1girl, solo"));
  EXPECT_FALSE(file_holds(dir / "a.txt", "1girl, sole"));         // same size, other bytes
  EXPECT_FALSE(file_holds(dir / "a.txt", "1girl, solo, smile"));  // longer
  EXPECT_FALSE(file_holds(dir / "a.txt", "1girl"));               // shorter
  EXPECT_FALSE(file_holds(dir / "missing.txt", ""));
  fs::create_directory(dir / "folder");
  EXPECT_FALSE(file_holds(dir / "folder", ""));
  ASSERT_TRUE(write_file_atomic(dir / "empty.txt", "").ok());
  EXPECT_TRUE(file_holds(dir / "empty.txt", ""));
  fs::remove_all(dir);
}

FileStamp stamp_at(const fs::path& file) {
  struct stat st {};
  EXPECT_EQ(::stat(file.c_str(), &st), 0) << file;
  return stamp_of(st);
}

TEST(DirHandles, HoldsOnlyTheFileAsItWasStamped) {
  auto dir = testing::fresh_temp_dir("test-dir-handles");
  fs::create_directories(dir / "bucket_1");
  ASSERT_TRUE(write_file_atomic(dir / "bucket_1" / "a.png", "pixels").ok());
  ASSERT_TRUE(write_file_atomic(dir / "top.txt", "tags").ok());
  const FileStamp a = stamp_at(dir / "bucket_1" / "a.png"), top = stamp_at(dir / "top.txt");
  DirHandles folders(dir);
  EXPECT_TRUE(folders.holds("bucket_1/a.png", a));
  EXPECT_TRUE(folders.holds("top.txt", top));  // a file of the root itself
  EXPECT_FALSE(folders.holds("bucket_1/a.png", top));
  EXPECT_FALSE(folders.holds("bucket_1/a.png", FileStamp{}));  // no stamp: never "as it was"
  EXPECT_FALSE(folders.holds("bucket_1/b.png", a));
  EXPECT_FALSE(folders.holds("bucket_2/a.png", a));  // no such folder
  // Replaced under the same name (another inode), with the folder's handle already open.
  ASSERT_TRUE(write_file_atomic(dir / "bucket_1" / "a.png", "other pixels", Overwrite::kReplace).ok());
  EXPECT_FALSE(folders.holds("bucket_1/a.png", a));
  EXPECT_TRUE(folders.holds("bucket_1/a.png", stamp_at(dir / "bucket_1" / "a.png")));
  fs::remove_all(dir);
}

JournalMove move(std::string src, std::string dst) { return {JournalOp::kMove, false, std::move(src), std::move(dst)}; }

TEST(Journal, RoundTripsEveryRecordWithRawBytePaths) {
  auto dir = testing::fresh_temp_dir("test-journal");
  auto p = dir / "j.tfj";
  {
    auto w = JournalWriter::create(p);
    ASSERT_TRUE(w.ok());
    JournalHeader h;
    h.command = "sort";
    h.source_root = "/src";
    h.dest_root = "/dst";
    h.in_place = false;
    h.created_unix = 1234;
    w->add_header(h);
    w->add_mkdir("images_1");
    w->add_move(move("a\nb\xff.png", "images_1/a\nb\xff.png"));
    w->add_move({JournalOp::kCopy, true, "c.png", "images_1/c~2.png"});
    w->add_plan_end(2);
    w->add_rmdir({"sub/deep", 0750});
    w->add_end();
    ASSERT_TRUE(w->sync().ok());
  }
  auto c = read_journal(p);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->header.source_root, "/src");
  EXPECT_FALSE(c->header.in_place);
  EXPECT_EQ(c->header.created_unix, 1234);
  ASSERT_EQ(c->moves.size(), 2u);
  EXPECT_EQ(c->moves[0].src, "a\nb\xff.png");
  EXPECT_EQ(c->moves[1].op, JournalOp::kCopy);
  EXPECT_TRUE(c->moves[1].renamed);
  ASSERT_EQ(c->rmdirs.size(), 1u);
  EXPECT_EQ(c->rmdirs[0].mode, 0750u);
  EXPECT_TRUE(c->plan_complete);
  EXPECT_TRUE(c->finished);
  EXPECT_FALSE(c->torn_tail);
  fs::remove_all(dir);
}

TEST(Journal, TornTailIsIgnoredAndCutOnReopen) {
  auto dir = testing::fresh_temp_dir("test-torn");
  auto p = dir / "j.tfj";
  {
    auto w = JournalWriter::create(p);
    ASSERT_TRUE(w.ok());
    w->add_header(JournalHeader{});
    w->add_move(move("a", "b"));
    w->add_plan_end(1);
    ASSERT_TRUE(w->sync().ok());
  }
  const auto whole = fs::file_size(p);
  {
    std::ofstream out(p, std::ios::app | std::ios::binary);
    out << std::string("\x01\x02\x03\x04\x50\x00", 6);  // half a record
  }
  auto c = read_journal(p);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->torn_tail);
  EXPECT_TRUE(c->plan_complete);
  {
    auto w = JournalWriter::reopen(p);
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(fs::file_size(p), whole);
    w->add_end();
    ASSERT_TRUE(w->sync().ok());
  }
  c = read_journal(p);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->finished);
  EXPECT_FALSE(c->torn_tail);
  fs::remove_all(dir);
}

TEST(Journal, DamageInTheMiddleIsAnError) {
  auto dir = testing::fresh_temp_dir("test-damage");
  auto p = dir / "j.tfj";
  {
    auto w = JournalWriter::create(p);
    ASSERT_TRUE(w.ok());
    w->add_header(JournalHeader{});
    w->add_move(move("a", "b"));
    w->add_move(move("c", "d"));
    w->add_plan_end(2);
    ASSERT_TRUE(w->sync().ok());
  }
  std::string bytes = testing::read_file(p);
  bytes[bytes.size() / 2] ^= 0x55;
  testing::write_file(p, bytes);
  auto c = read_journal(p);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(c.error().path, p);
  fs::remove_all(dir);
}

TEST(Journal, MovesCountOnlyOnceABatchClosesThem) {
  auto dir = testing::fresh_temp_dir("test-batches");
  auto p = dir / "j.tfj";
  {
    auto w = JournalWriter::create(p);
    ASSERT_TRUE(w.ok());
    w->add_header(JournalHeader{});
    w->add_mkdir("images_1");
    w->add_move(move("a", "images_1/a"));
    w->add_move(move("b", "images_1/b"));
    w->add_batch(2);
    w->add_mkdir("images_2");
    w->add_move(move("c", "images_2/c"));  // killed before its batch was written
    ASSERT_TRUE(w->sync().ok());
  }
  auto c = read_journal(p);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_TRUE(c->started());
  EXPECT_FALSE(c->plan_complete);
  EXPECT_EQ(c->batches, 1u);
  ASSERT_EQ(c->moves.size(), 2u);
  EXPECT_EQ(c->mkdirs, std::vector<std::string>{"images_1"});
  {
    auto w = JournalWriter::reopen(p);  // cuts the open records
    ASSERT_TRUE(w.ok());
    w->add_move(move("d", "images_1/d"));
    w->add_batch(1);
    w->add_plan_end(3);
    ASSERT_TRUE(w->sync().ok());
  }
  c = read_journal(p);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_TRUE(c->plan_complete);
  EXPECT_EQ(c->batches, 2u);
  ASSERT_EQ(c->moves.size(), 3u);
  EXPECT_EQ(c->moves[2].src, "d");
  EXPECT_EQ(c->mkdirs.size(), 1u);
  fs::remove_all(dir);
}

TEST(Journal, AJournalWithNoClosedBatchIsVoid) {
  auto dir = testing::fresh_temp_dir("test-void");
  auto p = dir / "j.tfj";
  {
    auto w = JournalWriter::create(p);
    ASSERT_TRUE(w.ok());
    w->add_header(JournalHeader{});
    w->add_move(move("a", "b"));
    ASSERT_TRUE(w->sync().ok());
  }
  auto c = read_journal(p);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->started());
  EXPECT_TRUE(c->moves.empty());
  fs::remove_all(dir);
}

TEST(Journal, BadBatchesAreCorruption) {
  auto dir = testing::fresh_temp_dir("test-bad-batch");
  auto p = dir / "j.tfj";
  auto write = [&](auto&& records) {
    fs::remove(p);
    auto w = JournalWriter::create(p);
    ASSERT_TRUE(w.ok());
    w->add_header(JournalHeader{});
    records(*w);
    ASSERT_TRUE(w->sync().ok());
  };
  write([&](JournalWriter& w) {
    w.add_move(move("a", "b"));
    w.add_batch(2);  // counts a move that is not there
  });
  EXPECT_EQ(read_journal(p).error().code, ErrorCode::kCorrupt);
  write([&](JournalWriter& w) {
    w.add_move(move("a", "b"));
    w.add_end();  // END after moves no batch closed
  });
  EXPECT_EQ(read_journal(p).error().code, ErrorCode::kCorrupt);
  fs::remove_all(dir);
}

TEST(Journal, VersionOneJournalsStillRead) {
  auto dir = testing::fresh_temp_dir("test-v1");
  auto p = dir / "j.tfj";
  {
    auto w = JournalWriter::create(p);
    ASSERT_TRUE(w.ok());
    JournalHeader h;
    h.version = 1;
    w->add_header(h);
    w->add_move(move("a", "b"));
    w->add_plan_end(1);
    ASSERT_TRUE(w->sync().ok());
  }
  auto c = read_journal(p);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->header.version, 1u);
  EXPECT_TRUE(c->started());
  EXPECT_EQ(c->moves.size(), 1u);
  fs::remove_all(dir);
}

TEST(Journal, CreateRefusesAnExistingFile) {
  auto dir = testing::fresh_temp_dir("test-exists");
  testing::write_file(dir / "j.tfj", "x");
  EXPECT_FALSE(JournalWriter::create(dir / "j.tfj").ok());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tagforge
