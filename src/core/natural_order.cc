#include "core/natural_order.h"

#include <algorithm>

namespace tagforge {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
unsigned char fold(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u >= 'A' && u <= 'Z') ? static_cast<unsigned char>(u + 32) : u;
}

}  // namespace

int natural_compare(std::string_view a, std::string_view b) {
  // Identical leading bytes compare equal however they are read, so skip
  // them, backing up to the start of a digit run the difference cuts: a
  // sort of a million "img<N>.png" names spends most of its time here.
  const size_t n = std::min(a.size(), b.size());
  size_t p = 0;
  while (p < n && a[p] == b[p]) ++p;
  while (p > 0 && is_digit(a[p - 1])) --p;
  size_t i = p, j = p;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      size_t si = i, sj = j;
      while (si < a.size() && a[si] == '0') ++si;
      while (sj < b.size() && b[sj] == '0') ++sj;
      size_t ei = si, ej = sj;
      while (ei < a.size() && is_digit(a[ei])) ++ei;
      while (ej < b.size() && is_digit(b[ej])) ++ej;
      // More significant digits: larger number.
      if (ei - si != ej - sj) return (ei - si) < (ej - sj) ? -1 : 1;
      for (size_t k = 0; k < ei - si; ++k) {
        if (a[si + k] != b[sj + k]) return a[si + k] < b[sj + k] ? -1 : 1;
      }
      // Same value: fewer leading zeros first ("1" < "01").
      if (ei - i != ej - j) return (ei - i) < (ej - j) ? -1 : 1;
      i = ei;
      j = ej;
      continue;
    }
    const unsigned char ca = fold(a[i]), cb = fold(b[j]);
    if (ca != cb) return ca < cb ? -1 : 1;
    ++i;
    ++j;
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

}  // namespace tagforge
