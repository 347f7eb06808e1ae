#!/usr/bin/env bash
# Fetches nsfwjs's MobileNetV2 ("mid") NSFW classifier from the npm registry and converts it to ONNX
# into third_party/models/nsfwjs/ (model.onnx, classes.txt, model.toml).
#
# nsfwjs (MIT) ships TensorFlow.js graph models inside JavaScript files: the model JSON, and the
# uint8-quantised weights as base64. Node unwraps them (scripts/lib/tfjs_unwrap.js); python3-onnx
# builds the same graph in ONNX (scripts/lib/tfjs_graph_to_onnx.py). The tests hold the result
# against nsfwjs itself. Idempotent: a stamp records what was converted.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/npm_fetch.sh
source scripts/lib/staged_dir.sh

PACKAGE=nsfwjs
VERSION=4.4.0
INTEGRITY=sha512-krC1fgeTLXtZwgdpKJ0jm7hqv0gTSRQQRL+FhOaxaJ9Wj92t42BO3csO2odwgTAgZgf2RvkwPtp0R8Aa7dc+MA==
MODEL=mobilenet_v2_mid
OUT=${NSFW_DIR:-third_party/models/nsfwjs}
WANT="$PACKAGE@$VERSION $INTEGRITY $MODEL $(cat scripts/lib/tfjs_graph_to_onnx.py scripts/lib/tfjs_unwrap.js | cksum)"
if is_fetched "$OUT" "$WANT" model.onnx; then
  exit 0
fi
require_tools fetch_nsfw npm node tar /usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "fetch_nsfw: npm pack $PACKAGE@$VERSION" >&2
tarball=$(npm_pack_checked fetch_nsfw "$PACKAGE" "$VERSION" "$INTEGRITY" "$work")
tar --no-same-owner -xzf "$tarball" -C "$work"

start_staging "$OUT" >/dev/null
node scripts/lib/tfjs_unwrap.js "$work/package/dist/models/$MODEL" "$work/model.json" "$work/weights.bin"
/usr/bin/python3 scripts/lib/tfjs_graph_to_onnx.py "$work/model.json" "$work/weights.bin" "$OUT.partial/model.onnx"
# nsfwjs's NSFW_CLASSES, in output order.
printf '%s\n' drawing hentai neutral porn sexy > "$OUT.partial/classes.txt"
cp "$work/package/LICENSE" "$OUT.partial/LICENSE" 2>/dev/null || true
cat > "$OUT.partial/model.toml" <<TOML
# nsfwjs $VERSION $MODEL, converted to ONNX by scripts/fetch_nsfw.sh.
kind = "nsfw"
name = "nsfwjs-$MODEL"
labels = "classes.txt"
size = 224
TOML
swap_in "$OUT" "$WANT"
echo "fetch_nsfw: nsfwjs $MODEL as ONNX in $OUT" >&2
