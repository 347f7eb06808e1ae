// Fuzz target: a tag list of any bytes through parse, prune and format.
// The output must be clean text whose entries read back one for one.
#include <cstdlib>
#include <string>
#include <vector>

#include "shipped_data.h"
#include "tagforge/tags.h"
#include "tags/normalize.h"

std::vector<std::string> fuzz_seeds() {
  return {"1girl, solo, long hair, very long hair, (blue eyes:1.2)",
          "\\(o\\)_\\(o\\), ^_^, :D, ((smile)), [hat], {sword}",
          "multiple_girls, 1girl, solo, 2girls, no_humans, short hair, long hair",
          "(red hair, blue eyes:1.1), a\\,b, (unbalanced, x",
          "rating:explicit, black thighhighs, thighhighs, elbow gloves, bow"};
}


extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tagforge;
  const TagDb& db = fuzz::shipped_db();
  const TagRules& rules = fuzz::shipped_rules();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<TagChange> changes;
  TagList list;
  ParseScratch scratch;
  parse_tag_list(in, db, list, scratch, "sidecar", &changes);
  PruneOptions p;
  p.replacements = std::string(in.substr(0, 64));  // the replacement parser gets fuzzed too
  if (!prune_tags(list, db, rules, p, &changes).ok()) {
    if (parse_replacements(p.replacements).ok()) std::abort();  // the only way to fail
    return 0;
  }
  std::string out;
  format_tags(list, db, FormatOptions{}, out);
  for (char c : out) {
    if (static_cast<unsigned char>(c) < 0x20) std::abort();  // no control bytes reach a file
  }
  if (out.empty()) return 0;
  // Read back: as many entries as were written, none empty.
  std::vector<std::string_view> entries;
  split_tag_list(out, entries);
  size_t non_empty = 0;
  for (auto en : entries) non_empty += !en.empty();
  if (entries.size() != list.tags.size() || non_empty != entries.size()) std::abort();
  return 0;
}
