#include "infer/tag_labels.h"

#include <fmt/format.h>

#include <charconv>

#include "core/fs_ops.h"

namespace tagforge {

namespace fs = std::filesystem;

namespace {

// Splits one CSV line into fields; double quotes may wrap a field ("" is a quote).
std::vector<std::string> csv_fields(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

std::string_view trim_line_end(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  return line;
}

template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  size_t number = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!fn(trim_line_end(line), ++number)) return;
  }
}

}  // namespace

Result<TagLabels> parse_wd_labels(std::string_view csv, const fs::path& origin) {
  TagLabels labels;
  int name_col = -1, category_col = -1;
  std::optional<Error> error;
  for_each_line(csv, [&](std::string_view line, size_t number) {
    if (number == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // UTF-8 BOM
    const std::vector<std::string> fields = csv_fields(line);
    if (number == 1) {
      for (size_t i = 0; i < fields.size(); ++i) {
        if (fields[i] == "name") name_col = int(i);
        if (fields[i] == "category") category_col = int(i);
      }
      if (name_col < 0 || category_col < 0) {
        error = Error{ErrorCode::kInvalidInput, "the first line must name the columns 'name' and 'category'", origin};
        return false;
      }
      return true;
    }
    if (line.empty()) return true;
    const size_t need = size_t(std::max(name_col, category_col));
    if (fields.size() <= need || fields[size_t(name_col)].empty()) {
      error = Error{ErrorCode::kInvalidInput, fmt::format("line {}: no tag name", number), origin};
      return false;
    }
    const std::string& cat = fields[size_t(category_col)];
    int category = -1;
    auto [ptr, ec] = std::from_chars(cat.data(), cat.data() + cat.size(), category);
    if (ec != std::errc() || ptr != cat.data() + cat.size()) {
      error = Error{ErrorCode::kInvalidInput, fmt::format("line {}: category '{}' is not a number", number, cat), origin};
      return false;
    }
    labels.names.push_back(fields[size_t(name_col)]);
    labels.categories.push_back(category == 0   ? LabelCategory::kGeneral
                                : category == 4 ? LabelCategory::kCharacter
                                : category == 9 ? LabelCategory::kRating
                                                : LabelCategory::kOther);
    return true;
  });
  if (error) return *error;
  if (name_col < 0) return Error{ErrorCode::kInvalidInput, "empty tag list", origin};
  return labels;
}

Result<TagLabels> parse_joytag_labels(std::string_view text, const fs::path& origin) {
  TagLabels labels;
  for_each_line(text, [&](std::string_view line, size_t) {
    labels.names.emplace_back(line);  // an empty line still names an output
    labels.categories.push_back(LabelCategory::kGeneral);
    return true;
  });
  if (labels.names.empty()) return Error{ErrorCode::kInvalidInput, "empty tag list", origin};
  return labels;
}

Result<TagLabels> read_tag_labels(const fs::path& file, bool one_per_line) {
  auto text = read_whole_file(file, "tag list");
  if (!text) return text.error();
  if (one_per_line) return parse_joytag_labels(*text, file);
  return parse_wd_labels(*text, file);
}

}  // namespace tagforge
