// Fuzz target: the parsers of what model folders and detection files hold:
// .aseg files (a file that reads must write back and read the same), WD and
// JoyTag tag lists, Ultralytics `names`/`imgsz` metadata, JPEG frame headers,
// and YOLO output decoding on arbitrary numbers.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "infer/tag_labels.h"
#include "infer/yolo_decode.h"
#include "infer/yolo_metadata.h"
#include "media/jpeg_header.h"
#include "vision/aseg.h"

std::vector<std::string> fuzz_seeds() {
  return {
      "tagforge-aseg 1\nimage\t640\t480\n# id\tmodel\tlabel\tscore\tx0\ty0\tx1\ty1\tarea\towner\n"
      "0\tm\tperson\t0.9\t1\t2\t300\t400\t0.39\t-\n1\tm\tface\t0.5\t10\t10\t50\t50\t0.005\t0\n",
      "tag_id,name,category,count\n1,general,9,5\n2,\"a,b\",0,3\n",
      "{0: 'face', 1: \"head\"}",
      "[640, 640]",
      std::string("\xFF\xD8\xFF\xC0\x00\x0B\x08\x01\xE0\x02\x80\x01\x01\x11\x00", 15),
  };
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tagforge;
  const std::string_view s(reinterpret_cast<const char*>(data), size);

  if (auto aseg = parse_aseg(s, "fuzz.aseg"); aseg.ok()) {
    const std::string once = format_aseg(*aseg);
    auto again = parse_aseg(once, "fuzz.aseg");
    if (!again.ok() || format_aseg(*again) != once) std::abort();
  }
  if (auto labels = parse_wd_labels(s, "fuzz.csv"); labels.ok()) {
    if (labels->names.size() != labels->categories.size()) std::abort();
  }
  (void)parse_joytag_labels(s, "fuzz.txt");
  if (auto names = parse_yolo_names(s); names && names->empty()) std::abort();
  if (auto side = parse_yolo_imgsz(s); side && *side <= 0) std::abort();
  if (auto px = jpeg_pixel_size(std::span(data, size)); px && (px->width <= 0 || px->height <= 0)) std::abort();

  // The bytes as a YOLO output of 2 classes: [1, 6, N] and [1, N, 6].
  std::vector<float> values(size / sizeof(float));
  if (!values.empty()) std::memcpy(values.data(), data, values.size() * sizeof(float));
  const std::vector<std::string> names{"face", "hand"};
  for (int layout = 0; layout < 2; ++layout) {
    const int64_t n = int64_t(values.size() / 6);
    const std::vector<int64_t> shape = layout == 0 ? std::vector<int64_t>{1, 6, n} : std::vector<int64_t>{1, n, 6};
    std::span<const float> out(values.data(), size_t(n) * 6);
    for (const Detection& d : decode_yolo(out, shape, names, YoloDecodeOptions{0.25f, 0.7f, 64, 64, 100, 50})) {
      // Boxes always land on the image, whatever the model said.
      if (!(d.box.x0 >= 0 && d.box.x1 <= 100 && d.box.y0 >= 0 && d.box.y1 <= 50)) std::abort();
    }
  }
  return 0;
}
