// Every option has one definition (docs/ARCHITECTURE.md, "Options"): its
// config section and key, its help and its value's home. The CLI makes the
// flag from it (`similarity_threshold` -> `--similarity-threshold`, in
// tools/tagforge/option_flags.h), the config file is read through it, and
// `tagforge init` writes the commented default config from it, so the three
// cannot drift apart.
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "tagforge/error.h"

namespace tagforge {

using OptionTarget = std::variant<bool*, int*, double*, float*, std::string*, std::vector<std::string>*>;

struct OptionDef {
  std::string section;  // "extract", "models", "caption.llm.local" (a TOML table inside [caption.llm]) …
  std::string key;      // "similarity_threshold"
  std::string help;     // one line; becomes the flag's help and the config comment
  OptionTarget target;  // where the value lives; its value when defined is the default
  std::optional<std::pair<double, double>> range;  // numbers: inclusive bounds
  std::vector<std::string> choices;                // strings: the allowed values (empty: any)
  // False for how a result is fetched, not what it is (timeouts, concurrency,
  // retries): changing it re-runs nothing (see section_text).
  bool affects_results = true;
  // Its flag names its section even when no other section has the key: a key that says
  // little on its own (`[quality] action` is `--quality-action`).
  bool flag_names_section = false;

  // "--similarity-threshold"
  std::string flag() const;
  // "--caption-llm-local-base-url": for a key that several sections share.
  std::string section_flag() const;
};

using OptionTable = std::vector<OptionDef>;

// The range of a share or probability option.
inline constexpr std::pair<double, double> kUnitRange{0.0, 1.0};

// Adds the options of one section to a table: how run's own settings
// (stage_options.cc) and each stage (stages/) declare their keys.
struct OptionSection {
  OptionTable& table;
  std::string name;
  void add(std::string key, std::string help, OptionTarget target,
           std::optional<std::pair<double, double>> range = std::nullopt, std::vector<std::string> choices = {}) {
    table.push_back(OptionDef{name, std::move(key), std::move(help), target, range, std::move(choices)});
  }
  // An option of how results are fetched, not of what they are: no stage re-runs for it.
  void add_transport(std::string key, std::string help, OptionTarget target,
                     std::optional<std::pair<double, double>> range = std::nullopt) {
    add(std::move(key), std::move(help), target, range);
    table.back().affects_results = false;
  }
};

// Checks a value against the definition's range or choices; the message
// names the key ("similarity_threshold must be within [0, 1], not 3").
Status check_option_value(const OptionDef& def);

// Reads a TOML config file into the options' targets. Sections and keys the
// table does not know, wrong types, values out of range are errors naming the
// file, the line and the key. A table's section absent from the file leaves
// its defaults. Keys in `skip` ("section.key", those given on the command
// line) are checked but not applied, so a flag beats the file.
Status apply_config_file(const std::filesystem::path& file, const OptionTable& table,
                         const std::set<std::string>& skip = {});
// The same from text; `origin` names it in errors.
Status apply_config_text(std::string_view text, const std::filesystem::path& origin, const OptionTable& table,
                         const std::set<std::string>& skip = {});

// The options' current values as a TOML document, each key under its help
// as a comment, sections in the table's order: `tagforge init`.
// Without `comments`, only the sections and the key = value lines.
std::string format_config(const OptionTable& table, std::string_view header, bool comments = true);

}  // namespace tagforge
