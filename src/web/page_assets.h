// The review page's files (src/web/page/), built into the binary by
// cmake/embed_text.cmake: no CDN, nothing fetched at run time.
#pragma once

#include <string_view>

namespace tagforge {

extern const std::string_view kPageIndexHtml;  // holds {{csrf_token}} where the server puts its token
extern const std::string_view kPageAppJs;
extern const std::string_view kPageAppCss;

}  // namespace tagforge
