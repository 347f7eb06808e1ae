#!/usr/bin/python3
"""Converts a TensorFlow.js graph model of the MobileNet family (as nsfwjs ships) to ONNX.

    tfjs_graph_to_onnx.py MODEL.json WEIGHTS.bin OUT.onnx

MODEL.json is the tfjs-converter graph model (format "graph-model"); WEIGHTS.bin its weight shards
concatenated in manifest order. Weights quantised to uint8 are dequantised (min + scale * q), as
tfjs does at load. The ops handled are those of tfjs-converter's MobileNet graphs: Placeholder,
Const, Mul, Sub, AddV2, _FusedConv2D and FusedDepthwiseConv2dNative (fused BiasAdd, Relu, Relu6),
AvgPool, Squeeze, _FusedMatMul (fused BiasAdd), Softmax, Identity. Anything else is an error naming
the op. The ONNX model keeps the tfjs input: NHWC float32 [N, H, W, 3]; it converts to NCHW once.
"""
import base64
import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def fail(msg):
    sys.exit(f"tfjs_graph_to_onnx: {msg}")


def load_weights(manifest, blob):
    weights, offset = {}, 0
    for group in manifest:
        for w in group["weights"]:
            count = int(np.prod(w["shape"])) if w["shape"] else 1
            q = w.get("quantization")
            if q:
                qdtype = {"uint8": np.uint8, "uint16": np.uint16}.get(q["dtype"])
                if qdtype is None:
                    fail(f"{w['name']}: quantisation {q['dtype']} not handled")
                raw = np.frombuffer(blob, dtype=qdtype, count=count, offset=offset)
                offset += count * raw.itemsize
                values = (raw.astype(np.float32) * np.float32(q["scale"]) + np.float32(q["min"]))
            else:
                dtype = {"float32": np.float32, "int32": np.int32}.get(w["dtype"])
                if dtype is None:
                    fail(f"{w['name']}: dtype {w['dtype']} not handled")
                values = np.frombuffer(blob, dtype=dtype, count=count, offset=offset)
                offset += count * values.itemsize
            weights[w["name"]] = values.reshape(w["shape"]).astype(
                np.float32 if w["dtype"] == "float32" else values.dtype)
    if offset != len(blob):
        fail(f"the weights are {len(blob)} bytes, the manifest accounts for {offset}")
    return weights


def attr_s(node, key):
    value = node.get("attr", {}).get(key, {}).get("s")
    return base64.b64decode(value).decode() if value else None


def attr_ints(node, key):
    return [int(i) for i in node.get("attr", {}).get(key, {}).get("list", {}).get("i", [])]


def fused_ops(node):
    return [base64.b64decode(s).decode() for s in node.get("attr", {}).get("fused_ops", {}).get("list", {}).get("s", [])]


def convert(model_json, weights_bin, out_path):
    model = json.load(open(model_json))
    if model.get("format") != "graph-model":
        fail(f"{model_json}: not a tfjs graph model")
    weights = load_weights(model["weightsManifest"], open(weights_bin, "rb").read())
    nodes_in = model["modelTopology"]["node"]

    nodes, inits, inputs, outputs = [], [], [], []
    layout = {}  # tensor name -> "nhwc" or "nchw" or "flat"
    counter = [0]

    def fresh(base):
        counter[0] += 1
        return f"{base}__{counter[0]}"

    def const(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def src(name):
        return name.split(":")[0].lstrip("^")

    def as_nchw(name):
        if layout.get(name) == "nchw":
            return name
        out = fresh(name + "_nchw")
        nodes.append(helper.make_node("Transpose", [name], [out], perm=[0, 3, 1, 2]))
        layout[out] = "nchw"
        return out

    def activation(name, ops, out_name):
        current = name
        for op in ops[1:]:
            nxt = out_name if op == ops[-1] else fresh(out_name)
            if op == "Relu6":
                nodes.append(helper.make_node("Clip", [current, const(fresh("zero"), np.array(0, np.float32)),
                                                       const(fresh("six"), np.array(6, np.float32))], [nxt]))
            elif op == "Relu":
                nodes.append(helper.make_node("Relu", [current], [nxt]))
            else:
                fail(f"fused op {op} not handled")
            current = nxt
        return current

    last = None
    for n in nodes_in:
        op, name = n["op"], n["name"]
        ins = [src(i) for i in n.get("input", []) if not i.startswith("^")]
        if op == "Const":
            if name not in weights:
                fail(f"Const {name} has no weights")
            continue
        if op == "Placeholder":
            dims = [int(d.get("size", -1)) for d in n["attr"]["shape"]["shape"]["dim"]]
            inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT,
                                                        ["batch" if d < 0 else d for d in dims]))
            layout[name] = "nhwc"
        elif op in ("Mul", "Sub", "AddV2"):
            args = []
            for i in ins:
                if i in weights:
                    args.append(const(fresh(i), weights[i]))
                else:
                    args.append(i)
            lay = [layout[i] for i in ins if i in layout]
            if len(set(lay)) > 1:
                args = [as_nchw(a) if layout.get(a) == "nhwc" else a for a in args]
                lay = ["nchw"]
            nodes.append(helper.make_node({"Mul": "Mul", "Sub": "Sub", "AddV2": "Add"}[op], args, [name]))
            layout[name] = lay[0] if lay else "nhwc"
        elif op in ("_FusedConv2D", "FusedDepthwiseConv2dNative"):
            if attr_s(n, "data_format") not in (None, "NHWC"):
                fail(f"{name}: data format {attr_s(n, 'data_format')}")
            ops = fused_ops(n)
            if not ops or ops[0] != "BiasAdd":
                fail(f"{name}: fused ops {ops} not handled")
            x = as_nchw(ins[0])
            w = weights[ins[1]]
            if op == "_FusedConv2D":
                kernel = w.transpose(3, 2, 0, 1)  # HWIO -> OIHW
                group = 1
            else:
                kh, kw, cin, mult = w.shape
                kernel = w.transpose(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw)
                group = cin
            strides = attr_ints(n, "strides")[1:3]
            dil = attr_ints(n, "dilations")[1:3] or [1, 1]
            pad = attr_s(n, "padding")
            conv_out = name if len(ops) == 1 else fresh(name + "_conv")
            nodes.append(helper.make_node(
                "Conv", [x, const(fresh(ins[1]), kernel.astype(np.float32)), const(fresh(ins[2]), weights[ins[2]])],
                [conv_out], strides=strides, dilations=dil, group=group,
                auto_pad="SAME_UPPER" if pad == "SAME" else "VALID"))
            activation(conv_out, ops, name)
            layout[name] = "nchw"
        elif op == "AvgPool":
            x = as_nchw(ins[0])
            ks = attr_ints(n, "ksize")[1:3]
            st = attr_ints(n, "strides")[1:3]
            if attr_s(n, "padding") != "VALID":
                fail(f"{name}: AvgPool padding {attr_s(n, 'padding')}")
            nodes.append(helper.make_node("AveragePool", [x], [name], kernel_shape=ks, strides=st))
            layout[name] = "nchw"
        elif op == "Squeeze":
            dims = attr_ints(n, "squeeze_dims")
            x = ins[0]
            if layout.get(x) == "nchw" and sorted(dims) == [1, 2]:
                axes = [2, 3]  # H and W of NHWC are axes 2, 3 here
            else:
                axes = dims
            nodes.append(helper.make_node("Squeeze", [x, const(fresh("axes"), np.array(axes, np.int64))], [name]))
            layout[name] = "flat"
        elif op == "_FusedMatMul":
            ops = fused_ops(n)
            if ops != ["BiasAdd"] or n["attr"].get("transpose_a", {}).get("b") or n["attr"].get("transpose_b", {}).get("b"):
                fail(f"{name}: MatMul variant {ops} not handled")
            mm = fresh(name + "_mm")
            nodes.append(helper.make_node("MatMul", [ins[0], const(fresh(ins[1]), weights[ins[1]])], [mm]))
            nodes.append(helper.make_node("Add", [mm, const(fresh(ins[2]), weights[ins[2]])], [name]))
            layout[name] = "flat"
        elif op == "Softmax":
            nodes.append(helper.make_node("Softmax", [ins[0]], [name], axis=-1))
            layout[name] = "flat"
        elif op == "Identity":
            nodes.append(helper.make_node("Identity", [ins[0]], [name]))
            layout[name] = layout.get(ins[0], "flat")
            last = name
        else:
            fail(f"op {op} ({name}) not handled")
        last = name

    out_name = "probabilities"
    nodes.append(helper.make_node("Identity", [last], [out_name]))
    outputs.append(helper.make_tensor_value_info(out_name, TensorProto.FLOAT, ["batch", None]))
    graph = helper.make_graph(nodes, "tfjs_graph", inputs, outputs, inits)
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx_model.ir_version = 7
    onnx.checker.check_model(onnx_model)
    onnx.save(onnx_model, out_path)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    convert(*sys.argv[1:])
