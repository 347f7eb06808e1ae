#include "pipeline/content_hash.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include <fmt/format.h>

namespace tagforge {

namespace {

std::string hex(XXH128_hash_t h) { return fmt::format("{:016x}{:016x}", h.high64, h.low64); }

}  // namespace

ContentHasher::ContentHasher() : state_(XXH3_createState()) { XXH3_128bits_reset(static_cast<XXH3_state_t*>(state_)); }
ContentHasher::~ContentHasher() {
  if (state_) XXH3_freeState(static_cast<XXH3_state_t*>(state_));
}
ContentHasher::ContentHasher(ContentHasher&& other) noexcept : state_(other.state_) { other.state_ = nullptr; }
void ContentHasher::add(std::string_view bytes) {
  XXH3_128bits_update(static_cast<XXH3_state_t*>(state_), bytes.data(), bytes.size());
}
std::string ContentHasher::hex() const { return tagforge::hex(XXH3_128bits_digest(static_cast<XXH3_state_t*>(state_))); }

Result<std::string> hash_file(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{ErrorCode::kIo, fmt::format("cannot open to hash: {}", std::strerror(errno)), file};
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(), XXH3_freeState);
  XXH3_128bits_reset(state.get());
  std::vector<char> buf(1 << 20);
  while (true) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Error{ErrorCode::kIo, fmt::format("cannot read to hash: {}", std::strerror(err)), file};
    }
    if (n == 0) break;
    XXH3_128bits_update(state.get(), buf.data(), size_t(n));
  }
  ::close(fd);
  return hex(XXH3_128bits_digest(state.get()));
}

std::string hash_bytes(std::string_view bytes) { return hex(XXH3_128bits(bytes.data(), bytes.size())); }

uint64_t shard_of(std::string_view hex_hash, uint64_t count) {
  uint64_t v = 0;
  for (char c : hex_hash.substr(0, 16)) v = v * 16 + uint64_t(c <= '9' ? c - '0' : c - 'a' + 10);
  return count ? v % count : 0;
}

}  // namespace tagforge
