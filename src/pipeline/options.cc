#include "pipeline/options.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <toml++/toml.h>

#include <algorithm>
#include <sstream>

#include "core/fs_ops.h"

namespace tagforge {

namespace fs = std::filesystem;

namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// "; did you mean similarity_threshold?" when one known name is close.
std::string suggestion(std::string_view wrong, const std::vector<std::string>& known) {
  const std::string* best = nullptr;
  size_t best_d = 3;  // at most two edits away
  for (const std::string& k : known) {
    const size_t d = edit_distance(wrong, k);
    if (d < best_d) best_d = d, best = &k;
  }
  return best ? fmt::format("; did you mean {}?", *best) : std::string();
}

// What a key an earlier version had is called now: a config written by `tagforge init` then
// gets told what to write instead. Null for any other key.
const char* renamed_key(std::string_view section, std::string_view key) {
  if (section == "models" && key == "cuda") return "device = \"cuda\" (or \"cuda:N\", or \"cpu\")";
  return nullptr;
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += char(c);
    else if (c < 0x20 || c == 0x7f) out += fmt::format("\\u{:04X}", c);
    else out += char(c);
  }
  return out + "\"";
}

std::string format_value(const OptionTarget& target) {
  return std::visit(Overloaded{[](bool* v) { return std::string(*v ? "true" : "false"); },
                               [](int* v) { return fmt::format("{}", *v); },
                               [](double* v) {
                                 std::string s = fmt::format("{}", *v);
                                 return s.find_first_of(".eE") == std::string::npos ? s + ".0" : s;
                               },
                               [](float* v) {
                                 std::string s = fmt::format("{}", *v);
                                 return s.find_first_of(".eE") == std::string::npos ? s + ".0" : s;
                               },
                               [](std::string* v) { return quote(*v); },
                               [](std::vector<std::string>* v) {
                                 std::vector<std::string> items;
                                 for (const auto& s : *v) items.push_back(quote(s));
                                 return fmt::format("[{}]", fmt::join(items, ", "));
                               }},
                    target);
}

const char* type_name(const OptionTarget& target) {
  return std::visit(Overloaded{[](bool*) { return "true or false"; }, [](int*) { return "a whole number"; },
                               [](double*) { return "a number"; }, [](float*) { return "a number"; },
                               [](std::string*) { return "a string"; },
                               [](std::vector<std::string>*) { return "a list of strings"; }},
                    target);
}

const char* node_type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "a list";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "a whole number";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    default: return "a date or time";
  }
}

// Reads `node` into `target` (when `apply`), or says why it cannot.
std::optional<std::string> read_value(const toml::node& node, const OptionTarget& target, bool apply) {
  bool fits = false;
  auto take = [&](auto* v, auto value) {
    fits = true;
    if (apply) *v = std::move(value);
  };
  std::visit(Overloaded{[&](bool* v) {
                          if (auto b = node.value_exact<bool>()) take(v, *b);
                        },
                        [&](int* v) {
                          auto i = node.value_exact<int64_t>();
                          if (i && *i >= INT32_MIN && *i <= INT32_MAX) take(v, int(*i));
                        },
                        [&](double* v) {
                          if (node.is_number()) take(v, *node.value<double>());
                        },
                        [&](float* v) {
                          if (node.is_number()) take(v, float(*node.value<double>()));
                        },
                        [&](std::string* v) {
                          if (auto s = node.value_exact<std::string>()) take(v, *s);
                        },
                        [&](std::vector<std::string>* v) {
                          const toml::array* arr = node.as_array();
                          if (!arr) return;
                          std::vector<std::string> items;
                          for (const toml::node& item : *arr) {
                            auto s = item.value_exact<std::string>();
                            if (!s) return;
                            items.push_back(*s);
                          }
                          take(v, std::move(items));
                        }},
             target);
  if (fits) return std::nullopt;
  return fmt::format("wants {}, not {}", type_name(target), node_type_name(node));
}

Error config_error(const fs::path& origin, const toml::source_region& where, std::string message) {
  return Error{ErrorCode::kInvalidInput,
               where.begin.line ? fmt::format("line {}: {}", where.begin.line, message) : std::move(message), origin};
}

}  // namespace

std::string OptionDef::flag() const {
  std::string f = "--" + key;
  std::replace(f.begin(), f.end(), '_', '-');
  return f;
}

std::string OptionDef::section_flag() const {
  std::string f = "--" + section + "-" + key;
  std::replace(f.begin(), f.end(), '_', '-');
  std::replace(f.begin(), f.end(), '.', '-');
  return f;
}

Status check_option_value(const OptionDef& def) {
  auto number = std::visit(Overloaded{[](int* v) { return std::optional<double>(*v); },
                                      [](double* v) { return std::optional<double>(*v); },
                                      [](float* v) { return std::optional<double>(*v); },
                                      [](auto*) { return std::optional<double>(); }},
                           def.target);
  if (number && def.range && !(*number >= def.range->first && *number <= def.range->second)) {  // NaN fails too
    return Error{ErrorCode::kInvalidInput, fmt::format("{} must be within [{}, {}], not {}", def.key, def.range->first,
                                                       def.range->second, *number), {}};
  }
  if (def.choices.empty()) return ok_status();
  std::vector<std::string> values;
  if (auto* s = std::get_if<std::string*>(&def.target)) values.push_back(**s);
  if (auto* v = std::get_if<std::vector<std::string>*>(&def.target)) values = **v;
  for (const std::string& value : values) {
    if (std::find(def.choices.begin(), def.choices.end(), value) == def.choices.end()) {
      return Error{ErrorCode::kInvalidInput,
                   fmt::format("{} must be one of {}, not \"{}\"", def.key, fmt::join(def.choices, ", "), value), {}};
    }
  }
  return ok_status();
}

namespace {

// Applies one TOML table: `section` is its dotted name ("" for the document).
// A key is an option of that section, or a table naming a known section inside it.
Status apply_table(const toml::table& values, const std::string& section, const fs::path& origin,
                   const OptionTable& table, const std::set<std::string>& skip,
                   const std::vector<std::string>& sections) {
  std::vector<std::string> keys, inner;  // for suggestions
  for (const OptionDef& d : table) {
    if (d.section == section) keys.push_back(d.key);
  }
  for (const std::string& s : sections) {
    if (section.empty() ? s.find('.') == std::string::npos : s.rfind(section + ".", 0) == 0) {
      const std::string rest = section.empty() ? s : s.substr(section.size() + 1);
      if (rest.find('.') == std::string::npos) inner.push_back(rest);
    }
  }
  for (const auto& [key_node, value] : values) {
    const std::string key(key_node.str());
    auto def = std::find_if(table.begin(), table.end(),
                            [&](const OptionDef& d) { return d.section == section && d.key == key; });
    if (def == table.end()) {
      const std::string name = section.empty() ? key : section + "." + key;
      if (std::find(inner.begin(), inner.end(), key) != inner.end()) {
        const toml::table* sub = value.as_table();
        if (!sub) return config_error(origin, value.source(), fmt::format("{} must be a section ([{}])", name, name));
        TF_RETURN_IF_ERROR(apply_table(*sub, name, origin, table, skip, sections));
        continue;
      }
      if (section.empty()) {
        return config_error(origin, key_node.source(),
                            fmt::format("unknown section [{}] (known: {}){}", key, fmt::join(sections, ", "),
                                        suggestion(key, sections)));
      }
      if (auto now = renamed_key(section, key)) {
        return config_error(origin, key_node.source(), fmt::format("[{}] {} is now {}", section, key, now));
      }
      std::vector<std::string> names = keys;
      names.insert(names.end(), inner.begin(), inner.end());
      return config_error(origin, key_node.source(),
                          fmt::format("unknown key {} in [{}]{}", key, section, suggestion(key, names)));
    }
    const bool apply = !skip.count(section + "." + key);
    // A skipped value's type is checked too: a bad file is never silently half-read.
    if (auto why = read_value(value, def->target, false)) {
      return config_error(origin, value.source(), fmt::format("[{}] {} {}", section, key, *why));
    }
    if (!apply) continue;
    read_value(value, def->target, true);
    if (Status st = check_option_value(*def); !st.ok()) {
      return config_error(origin, value.source(), fmt::format("[{}] {}", section, st.error().message));
    }
  }
  return ok_status();
}

}  // namespace

Status apply_config_text(std::string_view text, const fs::path& origin, const OptionTable& table,
                         const std::set<std::string>& skip) {
  toml::table root;
  try {
    root = toml::parse(text, origin.string());
  } catch (const toml::parse_error& e) {
    return config_error(origin, e.source(), std::string(e.description()));
  }
  std::vector<std::string> sections;
  for (const OptionDef& d : table) {
    if (std::find(sections.begin(), sections.end(), d.section) == sections.end()) sections.push_back(d.section);
  }
  return apply_table(root, "", origin, table, skip, sections);
}

Status apply_config_file(const fs::path& file, const OptionTable& table, const std::set<std::string>& skip) {
  auto text = read_whole_file(file, "config file");
  if (!text) return text.error();
  return apply_config_text(*text, file, table, skip);
}

std::string format_config(const OptionTable& table, std::string_view header, bool comments) {
  std::string out(header);
  std::string section;
  for (const OptionDef& d : table) {
    if (d.section != section) {
      section = d.section;
      out += fmt::format("\n[{}]\n", section);
    }
    if (comments) out += fmt::format("# {}\n", d.help);
    out += fmt::format("{} = {}\n", d.key, format_value(d.target));
  }
  return out;
}

}  // namespace tagforge
