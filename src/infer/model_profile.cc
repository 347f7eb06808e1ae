#include "infer/model_profile.h"

#include <fmt/format.h>

#include <set>
#include <toml++/toml.h>

#include "core/fs_ops.h"

namespace tagforge {

namespace fs = std::filesystem;

namespace {

const char kProfileName[] = "model.toml";

// The defaults of each kind: what its authors' own code does.
void apply_kind_defaults(ModelProfile& p) {
  switch (p.kind) {
    case ModelKind::kWdV3:
      p.input = wd_v3_input(0);
      p.labels_file = "selected_tags.csv";
      p.general_threshold = 0.35f;
      p.character_threshold = 0.85f;
      p.sigmoid = false;  // SmilingWolf's exports end in a sigmoid
      break;
    case ModelKind::kJoyTag:
      p.input = joytag_input(0);
      p.labels_file = "top_tags.txt";
      p.general_threshold = 0.4f;
      p.sigmoid = true;  // JoyTag's export ends in logits
      break;
    case ModelKind::kNsfw:
      p.labels_file = "classes.txt";
      break;
    case ModelKind::kYolo:
    case ModelKind::kIsnet:
      break;
  }
}

std::optional<ModelKind> kind_from_name(std::string_view name) {
  if (name == "wd-v3" || name == "wd") return ModelKind::kWdV3;
  if (name == "joytag") return ModelKind::kJoyTag;
  if (name == "yolo" || name == "detector") return ModelKind::kYolo;
  if (name == "isnet" || name == "segmenter") return ModelKind::kIsnet;
  if (name == "nsfw") return ModelKind::kNsfw;
  return std::nullopt;
}

Result<ModelProfile> recognise(const fs::path& dir) {
  std::error_code ec;
  ModelProfile p;
  p.model_file = dir / "model.onnx";
  if (!fs::is_regular_file(p.model_file, ec)) {
    return Error{ErrorCode::kNotFound,
                 "no model.onnx (or model.toml) in this model folder; see docs/MODELS.md for the layouts", dir};
  }
  if (fs::is_regular_file(dir / "selected_tags.csv", ec)) p.kind = ModelKind::kWdV3;
  else if (fs::is_regular_file(dir / "top_tags.txt", ec)) p.kind = ModelKind::kJoyTag;
  else p.kind = ModelKind::kYolo;
  apply_kind_defaults(p);
  if (!p.labels_file.empty()) p.labels_file = dir / p.labels_file;
  return p;
}

struct ProfileReader {
  const toml::table& root;
  const fs::path& file;
  std::optional<Error> error;

  Error bad(std::string_view key, std::string_view want) {
    return Error{ErrorCode::kInvalidInput, fmt::format("'{}' must be {}", key, want), file};
  }
  void number(std::string_view key, float& out) {
    if (error || !root.contains(key)) return;
    if (auto v = root[key].value<double>()) out = float(*v);
    else error = bad(key, "a number");
  }
  void flag(std::string_view key, bool& out) {
    if (error || !root.contains(key)) return;
    if (auto v = root[key].value<bool>()) out = *v;
    else error = bad(key, "true or false");
  }
  void triple(std::string_view key, std::array<float, 3>& out) {
    if (error || !root.contains(key)) return;
    const toml::array* arr = root[key].as_array();
    if (!arr || arr->size() != 3) {
      error = bad(key, "an array of three numbers");
      return;
    }
    for (size_t i = 0; i < 3; ++i) {
      auto v = arr->get(i)->value<double>();
      if (!v) {
        error = bad(key, "an array of three numbers");
        return;
      }
      out[i] = float(*v);
    }
  }
  std::optional<std::string> text(std::string_view key) {
    if (error || !root.contains(key)) return std::nullopt;
    if (auto v = root[key].value<std::string>()) return *v;
    error = bad(key, "a string");
    return std::nullopt;
  }
};

Result<ModelProfile> read_profile(const fs::path& dir, std::string_view text, const fs::path& file) {
  toml::table root;
  try {
    root = toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("bad model profile: {} (line {})", e.description(), e.source().begin.line), file};
  }
  static const std::set<std::string_view> kKeys = {
      "kind", "name", "model", "labels", "general_threshold", "character_threshold", "general_mcut",
      "character_mcut", "character_mcut_floor", "sigmoid", "size", "channels", "layout", "scale",
      "mean", "std", "confidence", "iou", "preprocess"};
  for (const auto& [key, node] : root) {
    if (!kKeys.count(key.str())) {
      return Error{ErrorCode::kInvalidInput, fmt::format("unknown key '{}' in the model profile", key.str()), file};
    }
  }
  ProfileReader r{root, file, std::nullopt};
  ModelProfile p;
  auto kind = r.text("kind");
  if (!kind) {
    return Error{ErrorCode::kInvalidInput,
                 "the profile needs kind = \"wd-v3\", \"joytag\", \"yolo\", \"isnet\" or \"nsfw\"", file};
  }
  auto k = kind_from_name(*kind);
  if (!k) return Error{ErrorCode::kInvalidInput, fmt::format("unknown kind '{}' (wd-v3, joytag, yolo, isnet, nsfw)", *kind), file};
  p.kind = *k;
  apply_kind_defaults(p);
  if (auto name = r.text("name")) p.name = *name;
  p.model_file = dir / r.text("model").value_or("model.onnx");
  if (auto labels = r.text("labels")) p.labels_file = *labels;
  if (!p.labels_file.empty()) p.labels_file = dir / p.labels_file;

  r.number("general_threshold", p.general_threshold);
  r.number("character_threshold", p.character_threshold);
  r.flag("general_mcut", p.general_mcut);
  r.flag("character_mcut", p.character_mcut);
  r.number("character_mcut_floor", p.character_mcut_floor);
  r.flag("sigmoid", p.sigmoid);
  r.number("scale", p.input.scale);
  r.triple("mean", p.input.mean);
  r.triple("std", p.input.std);
  if (root.contains("size")) {
    auto size = root["size"].value<int64_t>();
    if (!size || *size < 1 || *size > 8192) return r.bad("size", "a whole number of pixels, 1 to 8192");
    p.input.size = int(*size);
    p.size_from_profile = true;
  }
  if (auto channels = r.text("channels")) {
    if (*channels != "bgr" && *channels != "rgb") return r.bad("channels", "\"bgr\" or \"rgb\"");
    p.input.bgr = *channels == "bgr";
  }
  if (auto layout = r.text("layout")) {
    if (*layout != "nhwc" && *layout != "nchw") return r.bad("layout", "\"nhwc\" or \"nchw\"");
    p.input.layout = *layout == "nhwc" ? TaggerInputSpec::Layout::kNHWC : TaggerInputSpec::Layout::kNCHW;
  }
  if (auto pre = r.text("preprocess")) {
    if (*pre != "imgly" && *pre != "imgutils") return r.bad("preprocess", "\"imgly\" or \"imgutils\"");
    p.preprocess = *pre == "imgly" ? SegmenterPreprocess::kImgly : SegmenterPreprocess::kImgutils;
  }
  float value = 0;
  if (root.contains("confidence")) {
    r.number("confidence", value);
    p.confidence = value;
  }
  if (root.contains("iou")) {
    r.number("iou", value);
    p.iou = value;
  }
  if (r.error) return *r.error;
  for (float s : p.input.std) {
    if (s == 0) return r.bad("std", "non-zero");
  }
  std::error_code ec;
  if (!fs::is_regular_file(p.model_file, ec)) {
    return Error{ErrorCode::kNotFound, "the model file the profile names is missing", p.model_file};
  }
  return p;
}

}  // namespace

const char* model_kind_name(ModelKind kind) {
  switch (kind) {
    case ModelKind::kWdV3: return "wd-v3";
    case ModelKind::kJoyTag: return "joytag";
    case ModelKind::kYolo: return "yolo";
    case ModelKind::kIsnet: return "isnet";
    case ModelKind::kNsfw: return "nsfw";
  }
  return "?";
}

Result<ModelProfile> read_model_profile(const fs::path& dir, std::string_view profile_toml,
                                       const fs::path& profile_origin) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Error{ErrorCode::kNotFound, "no model folder here", dir};
  const fs::path profile_file = dir / kProfileName;
  Result<ModelProfile> p = Error{};
  if (!profile_toml.empty()) {
    p = read_profile(dir, profile_toml, profile_origin);
  } else if (fs::exists(profile_file, ec)) {
    auto text = read_whole_file(profile_file, "model profile");
    if (!text) return text.error();
    p = read_profile(dir, *text, profile_file);
  } else {
    p = recognise(dir);
  }
  if (!p) return p;
  if (p->name.empty()) {
    p->name = fs::absolute(dir, ec).lexically_normal().filename().string();
    if (p->name.empty()) p->name = fs::absolute(dir, ec).lexically_normal().parent_path().filename().string();
  }
  if (!p->labels_file.empty() && !fs::is_regular_file(p->labels_file, ec)) {
    return Error{ErrorCode::kNotFound, "the tagger's label file is missing", p->labels_file};
  }
  return p;
}

}  // namespace tagforge
