// Fuzz target: a config file (TOML) read through the option table of
// `tagforge run`: any bytes give values or an error naming the file, never a
// crash; values that read are within their ranges and choices, and the
// config written from them reads back to the same text.
#include <cstdlib>
#include <string>
#include <vector>

#include "pipeline/options.h"
#include "pipeline/stage_options.h"

std::vector<std::string> fuzz_seeds() {
  tagforge::RunConfig defaults;
  return {
      tagforge::format_config(defaults.table(), "# seed\n"),
      "[extract]\nvfps = 3\nrequire_segments = [\"face\", \"hand\"]\ncrop_position = \"faces\"\n",
      "[models]\ndetectors = [\"a\", \"b\"]\n[run]\nbatch = 16\nstage_by_stage = true\n",
      "[caption]\ntrigger = \"ohwx\\u00e9\"\n[score]\nflag_below = 0.5\n",
  };
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tagforge;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  RunConfig config;
  const OptionTable table = config.table();
  const Status st = apply_config_text(text, "fuzz.toml", table);
  if (!st.ok()) {
    if (st.error().path != "fuzz.toml") std::abort();
    return 0;
  }
  for (const OptionDef& d : table) {
    if (!check_option_value(d).ok()) std::abort();
  }
  const std::string once = format_config(table, "");
  RunConfig again;
  const OptionTable table2 = again.table();
  if (!apply_config_text(once, "again.toml", table2).ok() || format_config(table2, "") != once) std::abort();
  return 0;
}
