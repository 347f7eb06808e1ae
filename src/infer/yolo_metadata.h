// The metadata an Ultralytics export writes into its ONNX file, which the
// deepghs/imgutils detectors carry: `names` is a Python dict literal,
// "{0: 'face', 1: 'head'}", and `imgsz` a list, "[640, 640]".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tagforge {

// The class names by index. nullopt unless the keys are 0..n-1 (any order)
// and every value a quoted string ('…' or "…", backslash escapes).
std::optional<std::vector<std::string>> parse_yolo_names(std::string_view text);

// The input side: the larger of "[h, w]", or a single "640". nullopt when
// not a positive whole number or list of them.
std::optional<int> parse_yolo_imgsz(std::string_view text);

}  // namespace tagforge
