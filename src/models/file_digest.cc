#include "models/file_digest.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <vector>

#include "core/fs_ops.h"

namespace tagforge {

struct FileDigest::Contexts {
  EVP_MD_CTX* sha256 = nullptr;
  EVP_MD_CTX* sha1 = nullptr;
  ~Contexts() {
    EVP_MD_CTX_free(sha256);
    EVP_MD_CTX_free(sha1);
  }
};

namespace {

std::string hex_of(EVP_MD_CTX* ctx) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx, md, &n);
  std::string out;
  out.reserve(2 * n);
  for (unsigned int i = 0; i < n; ++i) out += fmt::format("{:02x}", md[i]);
  return out;
}

}  // namespace

FileDigest::FileDigest(std::optional<uint64_t> git_blob_size) : c_(std::make_unique<Contexts>()) {
  c_->sha256 = EVP_MD_CTX_new();
  EVP_DigestInit_ex(c_->sha256, EVP_sha256(), nullptr);
  if (git_blob_size) {
    c_->sha1 = EVP_MD_CTX_new();
    EVP_DigestInit_ex(c_->sha1, EVP_sha1(), nullptr);
    const std::string header = fmt::format("blob {}", *git_blob_size);
    EVP_DigestUpdate(c_->sha1, header.data(), header.size() + 1);  // with its '\0'
  }
}

FileDigest::~FileDigest() = default;
FileDigest::FileDigest(FileDigest&&) noexcept = default;
FileDigest& FileDigest::operator=(FileDigest&&) noexcept = default;

void FileDigest::update(std::string_view bytes) {
  EVP_DigestUpdate(c_->sha256, bytes.data(), bytes.size());
  if (c_->sha1) EVP_DigestUpdate(c_->sha1, bytes.data(), bytes.size());
}

void FileDigest::finish() {
  sha256_ = hex_of(c_->sha256);
  if (c_->sha1) git_sha1_ = hex_of(c_->sha1);
}

Status FileDigest::update_from_file(const std::filesystem::path& file, uint64_t limit) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Error::from_errno(errno, "cannot open", file);
  std::vector<char> buf(1 << 20);
  while (limit > 0) {
    const ssize_t n = ::read(fd.get(), buf.data(), size_t(std::min<uint64_t>(buf.size(), limit)));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno(errno, "cannot read", file);
    }
    if (n == 0) break;
    update(std::string_view(buf.data(), size_t(n)));
    limit -= uint64_t(n);
  }
  return ok_status();
}

bool is_hex_digest(std::string_view s, size_t digits) {
  return s.size() == digits && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

Result<FileDigest> digest_file(const std::filesystem::path& file, bool git_blob) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(file, ec);
  if (ec) return Error::from_errno(ec.value(), "cannot read the size of", file);
  FileDigest d(git_blob ? std::optional<uint64_t>(size) : std::nullopt);
  TF_RETURN_IF_ERROR(d.update_from_file(file));
  d.finish();
  return d;
}

}  // namespace tagforge
