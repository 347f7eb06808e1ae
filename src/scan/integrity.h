// Beyond the first bytes: is a media file whole, and is it animated?
// Each check reads little: a few bytes at the end of the file, the headers
// of top-level boxes/chunks, or (GIF) the blocks up to the second frame.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "tagforge/item.h"

namespace tagforge {

// Reads at most `n` bytes at `offset`; returns how many were read (fewer at
// end of file), or -1 on a read error.
class RandomReader {
 public:
  virtual ~RandomReader() = default;
  virtual long read_at(uint64_t offset, void* buf, size_t n) = 0;
  virtual uint64_t size() const = 0;
};

struct ProbeResult {
  MediaFormat format = MediaFormat::kUnknown;  // refined: gif -> gif-animated, png -> apng
  bool truncated = false;
  bool read_error = false;
  std::string detail;  // why it is considered truncated
};

// REQUIRES: `sniffed` is what sniff_format() said of the file's head.
ProbeResult probe_media(RandomReader& file, MediaFormat sniffed);

}  // namespace tagforge
