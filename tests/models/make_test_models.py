#!/usr/bin/python3
"""Tiny ONNX models with the real input/output contracts of the models users
bring, for tests and benchmarks (python3-onnx; run with Debian's /usr/bin/python3).

    make_test_models.py OUT_DIR            writes OUT_DIR/{wd_v3,joytag,detector}/
    make_test_models.py OUT_DIR --bench    also OUT_DIR/bench_{light,mid,real}/: WD-v3-shaped taggers
                                           whose convolution stack costs about 1.4, 9.4 and 52 GMAC per
                                           image (the real WD v3 taggers: ConvNeXt-base about 62,
                                           ViT-B/16 at 448 about 75, EVA02-large far more)

wd_v3/     model.onnx + selected_tags.csv. Input "input" float32 [N,448,448,3] (BGR, 0-255,
           NHWC); output "output" [N,T], probabilities (the sigmoid is inside, as in SmilingWolf's
           exports). Each probability is sigmoid(w . m + b) where m is the mean of each tensor
           channel over the image divided by 255 (B, G, R order): a known function of the pixels.
joytag/    model.onnx + top_tags.txt. Input "input" [N,3,448,448] (RGB, CLIP-normalised, NCHW);
           output logits [N,T] (no sigmoid inside, as in JoyTag's export): w . m + b, m the
           channel means of the normalised tensor (R, G, B).
detector/  model.onnx in the Ultralytics YOLOv8 layout used by deepghs/imgutils: input "images"
           [1,3,H,W] dynamic, output "output0" [1,4+nc,N] (cx, cy, w, h in input pixels, then
           one score per class). The boxes are fixed fractions of the input size, so the right
           answer is known for any image. Metadata: names, imgsz.
bright_face/  the same layout with one class, "face": one box (cx 0.5, cy 0.25, w 0.25, h 0.25 of
           the input) whose score is the mean of the input tensor (0-1): found (at the face
           threshold 0.25) only in frames bright enough, for tests of require_segments and crops.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = [helper.make_opsetid("", 17)]

# Weights over the three channel means (in each model's own channel order) and a bias.
WD_TAGS = [
    # (name, category, weights over (B, G, R), bias)
    ("general", 9, (0.0, 0.0, 0.0), 2.0),
    ("sensitive", 9, (0.0, 0.0, 0.0), -1.0),
    ("questionable", 9, (0.0, 0.0, 0.0), -3.0),
    ("explicit", 9, (0.0, 0.0, 0.0), -4.0),
    ("red_theme", 0, (-4.0, -4.0, 8.0), -2.0),
    ("green_theme", 0, (-4.0, 8.0, -4.0), -2.0),
    ("blue_theme", 0, (8.0, -4.0, -4.0), -2.0),
    ("white_background", 0, (4.0, 4.0, 4.0), -10.0),
    ("simple_background", 0, (0.0, 0.0, 0.0), 0.0),   # always 0.5
    ("hatsune_miku", 4, (-6.0, 12.0, -6.0), -3.0),
    ("kaname_madoka", 4, (-6.0, -6.0, 12.0), -3.0),
]

JOYTAG_TAGS = [
    # (name, weights over (R, G, B) of the normalised tensor, bias)
    ("red_theme", (2.0, -1.0, -1.0), -1.0),
    ("green_theme", (-1.0, 2.0, -1.0), -1.0),
    ("blue_theme", (-1.0, -1.0, 2.0), -1.0),
    ("white_background", (1.0, 1.0, 1.0), -4.0),
    ("solo", (0.0, 0.0, 0.0), 0.0),
]

DETECTOR_NAMES = ["person", "face", "hand"]
# (class, cx, cy, w, h as fractions of the input, score)
DETECTOR_BOXES = [
    (0, 0.50, 0.50, 0.80, 0.90, 0.90),   # a person filling most of the image
    (1, 0.50, 0.20, 0.20, 0.15, 0.85),   # their face
    (1, 0.51, 0.21, 0.20, 0.15, 0.60),   # the same face again: NMS removes it
    (2, 0.30, 0.60, 0.10, 0.10, 0.40),   # a hand
    (2, 0.80, 0.90, 0.05, 0.05, 0.10),   # below every threshold
]


def channel_mean_head(x, axes, weights, biases, sigmoid, out_name):
    """x -> ReduceMean over `axes` -> [N,3] -> /255 or not -> MatMul W [3,T] + b -> (Sigmoid)."""
    nodes, inits = [], []
    inits.append(numpy_helper.from_array(np.array(weights, dtype=np.float32).T.copy(), "W"))
    inits.append(numpy_helper.from_array(np.array(biases, dtype=np.float32), "b"))
    nodes.append(helper.make_node("ReduceMean", [x], ["mean"], axes=axes, keepdims=0))
    nodes.append(helper.make_node("MatMul", ["mean", "W"], ["mw"]))
    nodes.append(helper.make_node("Add", ["mw", "b"], ["logits" if sigmoid else out_name]))
    if sigmoid:
        nodes.append(helper.make_node("Sigmoid", ["logits"], [out_name]))
    return nodes, inits


def save(model, path):
    onnx.checker.check_model(model)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save(model, path)


def wd_v3(out_dir, size=448, conv_layers=0, width=48):
    nodes, inits = [], []
    x = "input"
    nodes.append(helper.make_node("Div", [x, "k255"], ["scaled"]))
    inits.append(numpy_helper.from_array(np.array(255.0, dtype=np.float32), "k255"))
    feature = "scaled"
    if conv_layers:
        # NHWC -> NCHW, a stack of 3x3 convolutions whose result is added back with weight 0, so
        # the outputs stay the known function of the channel means while the work is real.
        rng = np.random.default_rng(7)
        nodes.append(helper.make_node("Transpose", ["scaled"], ["nchw"], perm=[0, 3, 1, 2]))
        cur, ch = "nchw", 3
        for i in range(conv_layers):
            out_ch = width
            w = rng.standard_normal((out_ch, ch, 3, 3)).astype(np.float32) * 0.1
            inits.append(numpy_helper.from_array(w, f"cw{i}"))
            stride = 2 if i < 2 else 1
            nodes.append(helper.make_node("Conv", [cur, f"cw{i}"], [f"c{i}"], pads=[1, 1, 1, 1],
                                          strides=[stride, stride]))
            nodes.append(helper.make_node("Relu", [f"c{i}"], [f"r{i}"]))
            cur, ch = f"r{i}", out_ch
        nodes.append(helper.make_node("ReduceMean", [cur], ["conv_mean"], axes=[1, 2, 3], keepdims=1))
        nodes.append(helper.make_node("Mul", ["conv_mean", "zero"], ["conv_zero"]))
        inits.append(numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"))
        nodes.append(helper.make_node("Reshape", ["conv_zero", "shape_n111"], ["conv_zero4"]))
        inits.append(numpy_helper.from_array(np.array([-1, 1, 1, 1], dtype=np.int64), "shape_n111"))
        nodes.append(helper.make_node("Add", ["scaled", "conv_zero4"], ["with_conv"]))
        feature = "with_conv"
    head, head_inits = channel_mean_head(feature, [1, 2], [t[2] for t in WD_TAGS],
                                         [t[3] for t in WD_TAGS], True, "output")
    graph = helper.make_graph(
        nodes + head, "wd_v3_test",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", size, size, 3])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", len(WD_TAGS)])],
        inits + head_inits)
    save(helper.make_model(graph, opset_imports=OPSET), os.path.join(out_dir, "model.onnx"))
    with open(os.path.join(out_dir, "selected_tags.csv"), "w") as f:
        f.write("tag_id,name,category,count\n")
        for i, (name, cat, _, _) in enumerate(WD_TAGS):
            f.write(f"{1000 + i},{name},{cat},{100000 - i}\n")


def joytag(out_dir, size=448):
    head, inits = channel_mean_head("input", [2, 3], [t[1] for t in JOYTAG_TAGS],
                                    [t[2] for t in JOYTAG_TAGS], False, "output")
    graph = helper.make_graph(
        head, "joytag_test",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, size, size])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", len(JOYTAG_TAGS)])],
        inits)
    save(helper.make_model(graph, opset_imports=OPSET), os.path.join(out_dir, "model.onnx"))
    with open(os.path.join(out_dir, "top_tags.txt"), "w") as f:
        f.write("".join(t[0] + "\n" for t in JOYTAG_TAGS))


def boxes_in_input_pixels(fractions):
    """Initialisers and nodes that make "boxes" [4, N]: `fractions` (rows cx, cy, w, h as shares
    of the input) times the input's width and height, read from its shape."""
    inits = [
        numpy_helper.from_array(fractions.astype(np.float32), "fractions"),
        numpy_helper.from_array(np.array([3, 2, 3, 2], dtype=np.int64), "whwh_index"),
        numpy_helper.from_array(np.array([4, 1], dtype=np.int64), "col_shape"),
    ]
    nodes = [
        helper.make_node("Shape", ["images"], ["shape"]),
        helper.make_node("Gather", ["shape", "whwh_index"], ["whwh_i"], axis=0),
        helper.make_node("Cast", ["whwh_i"], ["whwh"], to=TensorProto.FLOAT),
        helper.make_node("Reshape", ["whwh", "col_shape"], ["whwh_col"]),
        helper.make_node("Mul", ["fractions", "whwh_col"], ["boxes"]),
    ]
    return inits, nodes


def save_yolo(out_dir, graph_name, inits, nodes, names, n):
    """A model whose output0 is [1, 4 + classes, n], with Ultralytics' metadata."""
    graph = helper.make_graph(
        nodes, graph_name,
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, "height", "width"])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 4 + len(names), n])],
        inits)
    model = helper.make_model(graph, opset_imports=OPSET)
    names_text = "{" + ", ".join(f"{i}: '{name}'" for i, name in enumerate(names)) + "}"
    helper.set_model_props(model, {"names": names_text, "imgsz": "[640, 640]", "task": "detect"})
    save(model, os.path.join(out_dir, "model.onnx"))


def detector(out_dir):
    nc = len(DETECTOR_NAMES)
    n = len(DETECTOR_BOXES)
    fractions = np.zeros((4, n), dtype=np.float32)
    scores = np.zeros((nc, n), dtype=np.float32)
    for j, (cls, cx, cy, w, h, score) in enumerate(DETECTOR_BOXES):
        fractions[:, j] = (cx, cy, w, h)
        scores[cls, j] = score
        scores[(cls + 1) % nc, j] = score / 4  # a weaker second class: decoding takes the best
    inits, nodes = boxes_in_input_pixels(fractions)
    inits += [numpy_helper.from_array(scores, "scores"), numpy_helper.from_array(np.array([0], dtype=np.int64), "axis0")]
    nodes += [
        helper.make_node("Concat", ["boxes", "scores"], ["rows"], axis=0),
        helper.make_node("Unsqueeze", ["rows", "axis0"], ["output0"]),
    ]
    save_yolo(out_dir, "yolov8_test", inits, nodes, DETECTOR_NAMES, n)


def bright_face(out_dir):
    inits, nodes = boxes_in_input_pixels(np.array([[0.5], [0.25], [0.25], [0.25]]))
    inits += [numpy_helper.from_array(np.array([1, 1, 1], dtype=np.int64), "score_shape"),
              numpy_helper.from_array(np.array([0], dtype=np.int64), "axis0")]
    nodes += [
        helper.make_node("Unsqueeze", ["boxes", "axis0"], ["boxes3"]),
        helper.make_node("ReduceMean", ["images"], ["mean"], keepdims=0),
        helper.make_node("Reshape", ["mean", "score_shape"], ["score"]),
        helper.make_node("Concat", ["boxes3", "score"], ["output0"], axis=1),
    ]
    save_yolo(out_dir, "bright_face_test", inits, nodes, ["face"], 1)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    wd_v3(os.path.join(out, "wd_v3"))
    joytag(os.path.join(out, "joytag"))
    detector(os.path.join(out, "detector"))
    bright_face(os.path.join(out, "bright_face"))
    if "--bench" in sys.argv[2:]:
        wd_v3(os.path.join(out, "bench_light"), conv_layers=6, width=48)
        wd_v3(os.path.join(out, "bench_mid"), conv_layers=6, width=128)
        wd_v3(os.path.join(out, "bench_real"), conv_layers=8, width=256)


if __name__ == "__main__":
    main()
