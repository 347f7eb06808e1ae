// Errors as values. Every call that touches a file, a codec, a model or the
// network returns Result<T>; exceptions never cross a stage or a thread.
#pragma once

#include <cassert>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace tagforge {

enum class ErrorCode {
  kIo,            // a system call failed (errno is in the message)
  kNotFound,      // a file or directory that should exist does not
  kExists,        // refusing to overwrite something that exists
  kInvalidInput,  // the input is not what it claims to be, or a bad argument
  kCorrupt,       // a file of ours (journal, manifest) is damaged
  kBusy,          // another process holds a lock we need
  kConflict,      // the disk does not match what a journal says; left alone
  kInternal,      // a bug: an invariant did not hold
};

const char* error_code_name(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::filesystem::path path;  // the file the error is about; may be empty

  // "PATH: MESSAGE", with the path made printable (see path_text.h).
  std::string to_string() const;

  // An error from errno `err`, e.g. from_errno(ENOENT, "cannot open", p).
  static Error from_errno(int err, std::string_view what, const std::filesystem::path& path);
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit on purpose
  Result(Error error) : v_(std::move(error)) {}     // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !ok()
  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { assert(!ok()); return *error_; }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

inline Status ok_status() { return {}; }

}  // namespace tagforge

// Returns the error of a failed Status/Result from the enclosing function.
#define TF_RETURN_IF_ERROR(expr)                   \
  do {                                             \
    auto tf_status_ = (expr);                      \
    if (!tf_status_.ok()) return tf_status_.error(); \
  } while (0)
