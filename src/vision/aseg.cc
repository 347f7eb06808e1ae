#include "vision/aseg.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/fs_ops.h"

namespace tagforge {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMagic = "tagforge-aseg 1";
constexpr std::string_view kColumns = "# id\tmodel\tlabel\tscore\tx0\ty0\tx1\ty1\tarea\towner";

bool is_person(const Detection& d) { return d.label == "person"; }

// Tabs and line breaks would break the table; nothing else is special.
std::string field(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  return out.empty() ? "-" : out;
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) return out;
    start = tab + 1;
  }
}

template <typename T>
bool number(std::string_view s, T& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

Aseg make_aseg(int w, int h, std::vector<Detection> detections) {
  std::stable_sort(detections.begin(), detections.end(), [](const Detection& a, const Detection& b) {
    if (is_person(a) != is_person(b)) return is_person(a);
    return a.score > b.score;
  });
  Aseg aseg{w, h, {}, {}, {}};
  const float image_area = float(w) * float(h);
  for (Detection& d : detections) {
    AsegEntry e;
    e.area_share = image_area > 0 ? d.box.area() / image_area : 0;
    e.detection = std::move(d);
    aseg.entries.push_back(std::move(e));
  }
  for (AsegEntry& part : aseg.entries) {
    if (is_person(part.detection) || part.detection.box.area() <= 0) continue;
    float best = 0;
    for (size_t p = 0; p < aseg.entries.size() && is_person(aseg.entries[p].detection); ++p) {
      const float held = intersection_area(part.detection.box, aseg.entries[p].detection.box);
      if (held > best) {
        best = held;
        part.owner = int(p);
      }
    }
    if (best <= part.detection.box.area() / 2) part.owner = -1;
  }
  return aseg;
}

const AsegEntry* best_detection(const Aseg& aseg, std::string_view label) {
  const AsegEntry* best = nullptr;
  for (const AsegEntry& e : aseg.entries) {
    if (e.detection.label == label && (!best || e.detection.score > best->detection.score)) best = &e;
  }
  return best;
}

std::string format_aseg(const Aseg& a) {
  // {} prints the shortest text that reads back as the same float.
  std::string out = fmt::format("{}\nimage\t{}\t{}\n", kMagic, a.image_width, a.image_height);
  for (const AsegMask& m : a.masks) {
    out += fmt::format("mask\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", field(m.model), field(m.label), m.area_share, m.box.x0,
                       m.box.y0, m.box.x1, m.box.y1, field(m.file));
  }
  for (const AsegCheck& c : a.checks) {
    out += fmt::format("check\t{}\t{}\t{}\t{}\t{}\n", field(c.what), field(c.tag), field(c.measured), field(c.verdict),
                       field(c.action));
  }
  out += fmt::format("{}\n", kColumns);
  for (size_t i = 0; i < a.entries.size(); ++i) {
    const AsegEntry& e = a.entries[i];
    const Detection& d = e.detection;
    out += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", i, field(d.model), field(d.label), d.score, d.box.x0,
                       d.box.y0, d.box.x1, d.box.y1, e.area_share, e.owner < 0 ? "-" : std::to_string(e.owner));
  }
  return out;
}

Result<Aseg> parse_aseg(std::string_view text, const fs::path& origin) {
  Aseg a;
  size_t line_no = 0;
  bool have_magic = false, have_image = false;
  auto bad = [&](std::string_view why) {
    return Error{ErrorCode::kInvalidInput, fmt::format("line {}: {}", line_no, why), origin};
  };
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!have_magic) {
      if (line != kMagic) return bad("not a tagforge .aseg file (the first line must be 'tagforge-aseg 1')");
      have_magic = true;
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    const std::vector<std::string_view> f = split_tabs(line);
    if (!have_image) {
      if (f.size() != 3 || f[0] != "image" || !number(f[1], a.image_width) || !number(f[2], a.image_height) ||
          a.image_width <= 0 || a.image_height <= 0) {
        return bad("expected 'image<TAB>width<TAB>height'");
      }
      have_image = true;
      continue;
    }
    if (f[0] == "check") {
      if (!a.entries.empty()) return bad("check lines come before the detections");
      if (f.size() != 6) return bad("expected 'check<TAB>what<TAB>tag<TAB>measured<TAB>verdict<TAB>action'");
      auto text = [](std::string_view s) { return s == "-" ? std::string() : std::string(s); };
      a.checks.push_back({text(f[1]), text(f[2]), text(f[3]), text(f[4]), text(f[5])});
      continue;
    }
    if (f[0] == "mask") {
      if (!a.entries.empty()) return bad("mask lines come before the detections");
      AsegMask m;
      if (f.size() != 9 || !number(f[3], m.area_share) || !number(f[4], m.box.x0) || !number(f[5], m.box.y0) ||
          !number(f[6], m.box.x1) || !number(f[7], m.box.y1)) {
        return bad("expected 'mask<TAB>model<TAB>label<TAB>area<TAB>x0<TAB>y0<TAB>x1<TAB>y1<TAB>file'");
      }
      m.model = f[1] == "-" ? "" : std::string(f[1]);
      m.label = f[2] == "-" ? "" : std::string(f[2]);
      m.file = f[8] == "-" ? "" : std::string(f[8]);
      a.masks.push_back(std::move(m));
      continue;
    }
    if (f.size() != 10) return bad(fmt::format("{} fields; a detection has 10", f.size()));
    size_t id = 0;
    if (!number(f[0], id) || id != a.entries.size()) return bad("ids must count up from 0");
    AsegEntry e;
    Detection& d = e.detection;
    d.model = f[1] == "-" ? "" : std::string(f[1]);
    d.label = f[2] == "-" ? "" : std::string(f[2]);
    if (!number(f[3], d.score) || !number(f[4], d.box.x0) || !number(f[5], d.box.y0) || !number(f[6], d.box.x1) ||
        !number(f[7], d.box.y1) || !number(f[8], e.area_share)) {
      return bad("score, box and area must be numbers");
    }
    if (f[9] != "-") {
      if (!number(f[9], e.owner) || e.owner < 0 || size_t(e.owner) >= a.entries.size()) {
        return bad("the owner must be the id of an earlier line, or -");
      }
    }
    a.entries.push_back(std::move(e));
  }
  if (!have_magic) return Error{ErrorCode::kInvalidInput, "empty .aseg file", origin};
  if (!have_image) return Error{ErrorCode::kInvalidInput, "no 'image' line", origin};
  return a;
}

Result<Aseg> read_aseg_file(const fs::path& file) {
  auto text = read_whole_file(file, ".aseg file");
  if (!text) return text.error();
  return parse_aseg(*text, file);
}

fs::path aseg_path_for(const fs::path& image) {
  fs::path p = image;
  p.replace_extension(".aseg");
  return p;
}

}  // namespace tagforge
