// What a model folder holds and how to run it. A folder is recognised from
// its files, as users download them:
//   model.onnx + selected_tags.csv   a WD tagger (SmilingWolf's v3; v2 alike)
//   model.onnx + top_tags.txt        JoyTag
//   model.onnx alone                 a YOLO detector in the deepghs/imgutils
//                                    layout (class names in its metadata)
// or from a `model.toml` profile beside them, which names the kind and may
// change any setting below, so a new model of a known kind needs no code:
//
//   kind = "wd-v3"                # "wd-v3", "joytag", "yolo", "isnet" or "nsfw"
//   model = "model.onnx"          # relative to the folder
//   labels = "selected_tags.csv"  # taggers
//   general_threshold = 0.35
//   character_threshold = 0.85
//   general_mcut = false          # MCut picks the general threshold
//   character_mcut = false        # ... and the character one (floor 0.15)
//   sigmoid = false               # apply a sigmoid to the outputs (JoyTag: true)
//   size = 448                    # input side; default: the model's input shape
//   channels = "bgr"              # tensor channel order, "bgr" or "rgb"
//   layout = "nhwc"               # "nhwc" or "nchw"
//   scale = 1.0                   # applied to 0-255 values, then (v - mean) / std
//   mean = [0.0, 0.0, 0.0]
//   std = [1.0, 1.0, 1.0]
//   confidence = 0.25             # detectors; defaults by what they detect
//   iou = 0.7                     # NMS overlap above which the weaker box goes
//   preprocess = "imgly"          # segmenters: "imgly" or "imgutils"
// A segmenter (ISNet) or an NSFW classifier (nsfwjs, converted by
// scripts/fetch_nsfw.sh) is only known from its profile.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "infer/tagger_input.h"
#include "tagforge/error.h"

namespace tagforge {

enum class ModelKind { kWdV3, kJoyTag, kYolo, kIsnet, kNsfw };

// How an ISNet segmenter wants its input (see segmenter.h).
enum class SegmenterPreprocess { kImgly, kImgutils };

const char* model_kind_name(ModelKind kind);

struct ModelProfile {
  ModelKind kind = ModelKind::kWdV3;
  std::string name;  // the folder's name unless the profile says; recorded in .aseg files
  std::filesystem::path model_file;
  std::filesystem::path labels_file;  // taggers only

  // Taggers.
  TaggerInputSpec input;        // size 0 until resolved from the model's input shape
  bool size_from_profile = false;
  float general_threshold = 0.35f;
  float character_threshold = 0.85f;
  bool general_mcut = false;
  bool character_mcut = false;
  float character_mcut_floor = 0.15f;
  bool sigmoid = false;

  // Detectors; unset: the defaults for what the model detects.
  std::optional<float> confidence, iou;

  // Segmenters.
  SegmenterPreprocess preprocess = SegmenterPreprocess::kImgly;
};

// Reads `dir`/model.toml if there is one, else recognises the files.
// Errors name the folder or the profile: nothing recognisable, a missing
// file, an unknown key or a value of the wrong type.
// With `profile_toml`, that text stands in for DIR/model.toml (the model
// catalogue's profile of a hub folder that has none); errors name
// `profile_origin`.
Result<ModelProfile> read_model_profile(const std::filesystem::path& dir, std::string_view profile_toml = {},
                                       const std::filesystem::path& profile_origin = {});

}  // namespace tagforge
