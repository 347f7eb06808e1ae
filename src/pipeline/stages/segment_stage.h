// The segment stage: the subject's mask (ISNet, anime-seg), written as
// <stem>.mask.png beside the image. Result: {"model", "width", "height",
// "area_share", "box", "file"}. `tagforge segment` runs segment_subject too.
#pragma once

#include <filesystem>

#include "infer/segmenter.h"
#include "pipeline/stages/item_stage.h"
#include "vision/box_mask.h"

namespace tagforge {

const ItemStage& segment_stage();

// "<stem>.mask.png": the name of an image's subject mask.
std::string mask_file_name(const std::filesystem::path& image);

struct SubjectMask {
  Image8 mask;  // one channel, the image's size
  MaskCoverage cover;
};

// The subject mask of `image`, and how much of it the subject covers; written
// as PNG to `file` (only when its bytes change) unless `file` is empty.
Result<SubjectMask> segment_subject(Segmenter& segmenter, const Image8& image, const std::filesystem::path& file);

}  // namespace tagforge
