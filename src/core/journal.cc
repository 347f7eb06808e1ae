#include "core/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/crc32c.h"
#include "core/fs_ops.h"

namespace tagforge {
namespace {

enum RecordType : uint8_t {
  kHeader = 1,
  kMkdir = 2,
  kMove = 3,
  kPlanEnd = 4,
  kRmdir = 5,
  kEnd = 6,
  kUndoStart = 7,
  kUndone = 8,
  kBatch = 9,
};

// MKDIR and MOVE records wait for a BATCH or PLAN_END to close them.
bool is_plan_record(uint8_t type) { return type == kMkdir || type == kMove; }

constexpr size_t kFrameSize = 9;  // crc, length, type
constexpr uint32_t kMaxPayload = 1u << 20;

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint32_t get_u32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_bytes(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

// Reads fields of one payload; any overrun marks it bad.
class PayloadReader {
 public:
  explicit PayloadReader(std::string_view p) : p_(p) {}
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= p_.size()) { bad_ = true; return 0; }
      auto b = static_cast<uint8_t>(p_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    bad_ = true;
    return 0;
  }
  std::string bytes() {
    uint64_t n = varint();
    if (bad_ || n > p_.size() - pos_) { bad_ = true; return {}; }
    std::string s(p_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  bool done_ok() const { return !bad_ && pos_ == p_.size(); }

 private:
  std::string_view p_;
  size_t pos_ = 0;
  bool bad_ = false;
};

// Walks the records of `data`; returns the offset just past the last whole
// record and just past the last record that is not an open MKDIR or MOVE,
// or an error for a bad record that is not the tail.
struct Scanned {
  size_t valid_end = 0;
  size_t closed_end = 0;
  bool torn_tail = false;
};

template <typename Fn>
Result<Scanned> walk_records(const std::string& data, const std::filesystem::path& path, Fn&& on_record) {
  Scanned s;
  size_t pos = 0;
  while (pos < data.size()) {
    if (data.size() - pos < kFrameSize) { s.torn_tail = true; break; }
    const uint32_t crc = get_u32(&data[pos]);
    const uint32_t len = get_u32(&data[pos + 4]);
    if (len > kMaxPayload) {
      return Error{ErrorCode::kCorrupt, "journal record at byte " + std::to_string(pos) + " is damaged", path};
    }
    if (data.size() - pos - kFrameSize < len) { s.torn_tail = true; break; }
    if (crc32c(&data[pos + 8], len + 1) != crc) {
      // A checksum failure in the last record is a torn write; earlier, damage.
      if (pos + kFrameSize + len == data.size()) { s.torn_tail = true; break; }
      return Error{ErrorCode::kCorrupt, "journal record at byte " + std::to_string(pos) + " fails its checksum", path};
    }
    const auto type = static_cast<uint8_t>(data[pos + 8]);
    if (!on_record(type, std::string_view(&data[pos + kFrameSize], len))) {
      return Error{ErrorCode::kCorrupt, "journal record at byte " + std::to_string(pos) + " cannot be decoded", path};
    }
    const bool closes = type == kBatch || type == kPlanEnd;
    if (!is_plan_record(type) && !closes && s.closed_end != s.valid_end) {
      return Error{ErrorCode::kCorrupt, "journal record at byte " + std::to_string(pos) + " follows moves no batch closed", path};
    }
    pos += kFrameSize + len;
    s.valid_end = pos;
    if (!is_plan_record(type)) s.closed_end = pos;
  }
  return s;
}

}  // namespace

Result<JournalContents> read_journal(const std::filesystem::path& path) {
  auto data = read_whole_file(path, "journal");
  if (!data) return data.error();
  JournalContents c;
  bool saw_header = false;
  size_t closed_moves = 0, closed_mkdirs = 0;  // how many a BATCH or PLAN_END closed
  auto scanned = walk_records(*data, path, [&](uint8_t type, std::string_view payload) {
    PayloadReader r(payload);
    switch (type) {
      case kHeader:
        c.header.version = static_cast<uint32_t>(r.varint());
        c.header.command = r.bytes();
        c.header.source_root = r.bytes();
        c.header.dest_root = r.bytes();
        c.header.in_place = r.varint() != 0;
        c.header.created_unix = static_cast<int64_t>(r.varint());
        saw_header = true;
        break;
      case kMkdir:
        c.mkdirs.push_back(r.bytes());
        break;
      case kMove: {
        JournalMove m;
        const uint64_t flags = r.varint();
        m.op = (flags & 1) ? JournalOp::kCopy : JournalOp::kMove;
        m.renamed = (flags & 2) != 0;
        m.src = r.bytes();
        m.dst = r.bytes();
        c.moves.push_back(std::move(m));
        break;
      }
      case kBatch:
        if (r.varint() != c.moves.size() - closed_moves) return false;
        ++c.batches;
        closed_moves = c.moves.size();
        closed_mkdirs = c.mkdirs.size();
        break;
      case kPlanEnd:
        if (r.varint() != c.moves.size()) return false;
        c.plan_complete = true;
        closed_moves = c.moves.size();
        closed_mkdirs = c.mkdirs.size();
        break;
      case kRmdir: {
        JournalDir d;
        d.path = r.bytes();
        d.mode = static_cast<uint32_t>(r.varint());
        c.rmdirs.push_back(std::move(d));
        break;
      }
      case kEnd: c.finished = true; break;
      case kUndoStart: c.undo_started = true; break;
      case kUndone: c.undone = true; break;
      default: return false;
    }
    return r.done_ok();
  });
  if (!scanned) return scanned.error();
  c.moves.resize(closed_moves);  // open ones never happened
  c.mkdirs.resize(closed_mkdirs);
  if (!saw_header && scanned->valid_end == 0) {
    // Killed before the header reached the disk: a void journal, nothing happened.
    c.torn_tail = scanned->torn_tail;
    return c;
  }
  if (!saw_header) return Error{ErrorCode::kCorrupt, "not a tagforge journal (no header)", path};
  if (c.header.version != 1 && c.header.version != kJournalVersion) {
    return Error{ErrorCode::kCorrupt, "journal version " + std::to_string(c.header.version) + " is not supported", path};
  }
  c.torn_tail = scanned->torn_tail;
  return c;
}

Result<JournalWriter> JournalWriter::create(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Error::from_errno(errno, "cannot create journal", path);
  auto dir = path.parent_path();
  if (auto s = fsync_path(dir.empty() ? "." : dir); !s) {
    ::close(fd);
    return s.error();
  }
  return JournalWriter(fd, path);
}

Result<JournalWriter> JournalWriter::reopen(const std::filesystem::path& path) {
  auto data = read_whole_file(path, "journal");
  if (!data) return data.error();
  auto scanned = walk_records(*data, path, [](uint8_t, std::string_view) { return true; });
  if (!scanned) return scanned.error();
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return Error::from_errno(errno, "cannot open journal", path);
  if (scanned->closed_end != data->size() && ::ftruncate(fd, static_cast<off_t>(scanned->closed_end)) != 0) {
    int err = errno;
    ::close(fd);
    return Error::from_errno(err, "cannot cut the unfinished tail of the journal", path);
  }
  return JournalWriter(fd, path);
}

JournalWriter::JournalWriter(JournalWriter&& o) noexcept
    : fd_(o.fd_), path_(std::move(o.path_)), buffer_(std::move(o.buffer_)), pending_error_(std::move(o.pending_error_)) {
  o.fd_ = -1;
}

JournalWriter::~JournalWriter() {
  if (fd_ >= 0) {
    (void)flush();
    ::close(fd_);
  }
}

void JournalWriter::add_record(uint8_t type, const std::string& payload) {
  std::string body;
  body.reserve(payload.size() + 1);
  body.push_back(static_cast<char>(type));
  body += payload;
  put_u32(buffer_, crc32c(body.data(), body.size()));
  put_u32(buffer_, static_cast<uint32_t>(payload.size()));
  buffer_ += body;
  // Keep memory flat for huge plans; a write error is kept for the next sync.
  if (buffer_.size() >= (1u << 20) && !pending_error_) {
    if (auto s = flush(); !s) pending_error_ = s.error();
  }
}

void JournalWriter::add_header(const JournalHeader& h) {
  std::string p;
  put_varint(p, h.version);
  put_bytes(p, h.command);
  put_bytes(p, h.source_root);
  put_bytes(p, h.dest_root);
  put_varint(p, h.in_place ? 1 : 0);
  put_varint(p, static_cast<uint64_t>(h.created_unix));
  add_record(kHeader, p);
}

void JournalWriter::add_mkdir(std::string_view rel) {
  std::string p;
  put_bytes(p, rel);
  add_record(kMkdir, p);
}

void JournalWriter::add_move(const JournalMove& m) {
  std::string p;
  put_varint(p, (m.op == JournalOp::kCopy ? 1u : 0u) | (m.renamed ? 2u : 0u));
  put_bytes(p, m.src);
  put_bytes(p, m.dst);
  add_record(kMove, p);
}

void JournalWriter::add_batch(uint64_t moves_in_batch) {
  std::string p;
  put_varint(p, moves_in_batch);
  add_record(kBatch, p);
}

void JournalWriter::add_plan_end(uint64_t move_count) {
  std::string p;
  put_varint(p, move_count);
  add_record(kPlanEnd, p);
}

void JournalWriter::add_rmdir(const JournalDir& d) {
  std::string p;
  put_bytes(p, d.path);
  put_varint(p, d.mode);
  add_record(kRmdir, p);
}

void JournalWriter::add_end() { add_record(kEnd, {}); }
void JournalWriter::add_undo_start() { add_record(kUndoStart, {}); }
void JournalWriter::add_undone() { add_record(kUndone, {}); }

Status JournalWriter::flush() {
  if (pending_error_) return *pending_error_;
  size_t off = 0;
  while (off < buffer_.size()) {
    ssize_t w = ::write(fd_, buffer_.data() + off, buffer_.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      buffer_.erase(0, off);
      return Error::from_errno(errno, "cannot write journal", path_);
    }
    off += static_cast<size_t>(w);
  }
  buffer_.clear();
  return ok_status();
}

Status JournalWriter::sync() {
  TF_RETURN_IF_ERROR(flush());
  return fsync_fd(fd_, path_);
}

}  // namespace tagforge
