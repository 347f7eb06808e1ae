// The command-line face of the options defined once in
// src/pipeline/options.h: one flag per option, the config file under the
// flags (a flag given beats the file), and one check of every value.
#pragma once

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "pipeline/options.h"

namespace tagforge::cli {

class OptionFlags {
 public:
  // One flag per option of `table`, its current value shown as the default.
  // Lists take comma-separated values. A key that two sections share takes
  // its section's name in its flag (`--tag-extension`, `--caption-extension`,
  // `--caption-llm-local-base-url`).
  OptionFlags(CLI::App& cmd, OptionTable table) : table_(std::move(table)) {
    std::map<std::string, int> uses;
    for (const OptionDef& d : table_) ++uses[d.key];
    for (const OptionDef& d : table_) {
      const std::string flag = uses[d.key] > 1 || d.flag_names_section ? d.section_flag() : d.flag();
      CLI::Option* o = std::visit(
          [&](auto* target) -> CLI::Option* {
            using T = std::remove_pointer_t<decltype(target)>;
            if constexpr (std::is_same_v<T, bool>) {
              return cmd.add_flag(flag, *target, d.help);
            } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
              return cmd.add_option(flag, *target, d.help)->delimiter(',');
            } else {
              return cmd.add_option(flag, *target, d.help)->capture_default_str();
            }
          },
          d.target);
      options_.push_back(o);
    }
  }

  // After parsing: reads `config` (when not empty) without touching what a
  // flag set, then checks every value. Errors name the file and line, or the flag.
  Status finish(const std::string& config) const {
    std::set<std::string> given;
    for (size_t i = 0; i < table_.size(); ++i) {
      if (options_[i]->count() > 0) given.insert(table_[i].section + "." + table_[i].key);
    }
    if (!config.empty()) TF_RETURN_IF_ERROR(apply_config_file(config, table_, given));
    for (size_t i = 0; i < table_.size(); ++i) {
      if (Status st = check_option_value(table_[i]); !st.ok()) {
        const bool flag = options_[i]->count() > 0;
        return Error{st.error().code,
                     flag ? fmt::format("{}: {}", options_[i]->get_name(), st.error().message) : st.error().message,
                     flag ? std::filesystem::path() : std::filesystem::path(config)};
      }
    }
    return ok_status();
  }

  const OptionTable& table() const { return table_; }

 private:
  OptionTable table_;
  std::vector<CLI::Option*> options_;
};

}  // namespace tagforge::cli
