#include "tagforge/error.h"

#include <cstring>

#include "core/path_text.h"

namespace tagforge {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kIo: return "io";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kExists: return "exists";
    case ErrorCode::kInvalidInput: return "invalid_input";
    case ErrorCode::kCorrupt: return "corrupt";
    case ErrorCode::kBusy: return "busy";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

std::string Error::to_string() const {
  if (path.empty()) return message;
  return printable_path(path.native()) + ": " + message;
}

Error Error::from_errno(int err, std::string_view what, const std::filesystem::path& path) {
  ErrorCode code = ErrorCode::kIo;
  if (err == ENOENT || err == ENOTDIR) code = ErrorCode::kNotFound;
  if (err == EEXIST || err == ENOTEMPTY) code = ErrorCode::kExists;
  if (err == EWOULDBLOCK) code = ErrorCode::kBusy;
  return Error{code, std::string(what) + ": " + std::strerror(err), path};
}

}  // namespace tagforge
