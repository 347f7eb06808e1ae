#!/usr/bin/env bash
# Fetches ONNX Runtime (CPU, Linux x64) from the npm registry into third_party/onnxruntime/.
#
# Debian 12 has no ONNX Runtime package. The npm package com.github.asus4.onnxruntime carries
# Microsoft's Linux library and, inside its Android archive, the C/C++ headers of the same API.
# `npm pack` downloads the tarball without running any install script; the tarball's sha512 is
# checked against the integrity npm published for the pinned version before anything is unpacked.
#
# Idempotent: a stamp file records what was unpacked; a second run with the same pin does nothing.
#
#   scripts/fetch_onnxruntime.sh            -> third_party/onnxruntime/{include,lib,LICENSE}
#   ORT_DIR=/elsewhere scripts/fetch_onnxruntime.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/npm_fetch.sh
source scripts/lib/staged_dir.sh

PACKAGE=com.github.asus4.onnxruntime
VERSION=0.4.9   # ONNX Runtime 1.29.0, C API version 29
INTEGRITY=sha512-BkzxduSZ9IkeDP6Q8lz2TFU2ie7hSSvS7ZIfzMooExoq0CNzJnuuGaUJ7IsojBgqO4ouD1jXah8OYyJbCN29Fg==

ORT_DIR=${ORT_DIR:-third_party/onnxruntime}
WANT="$PACKAGE@$VERSION $INTEGRITY"

if is_fetched "$ORT_DIR" "$WANT" lib/libonnxruntime.so.1; then
  exit 0
fi

require_tools fetch_onnxruntime npm node tar /usr/bin/python3

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "fetch_onnxruntime: npm pack $PACKAGE@$VERSION (about 150 MB)" >&2
tarball=$(npm_pack_checked fetch_onnxruntime "$PACKAGE" "$VERSION" "$INTEGRITY" "$work")

tar --no-same-owner -xzf "$tarball" -C "$work" \
  package/LICENSE \
  package/Plugins/Linux/x64/libonnxruntime.so \
  package/Plugins/Linux/x64/libonnxruntime_providers_shared.so \
  package/Plugins/Android/onnxruntime.aar

# Build the new tree beside the old one and swap it in, so an interrupted run leaves no half tree.
staging=$(start_staging "$ORT_DIR")
mkdir -p "$staging/lib" "$staging/include"
/usr/bin/python3 - "$work/package/Plugins/Android/onnxruntime.aar" "$staging/include" <<'EOF'
import os, sys, zipfile
aar, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(aar) as z:
    names = [n for n in z.namelist() if n.startswith("headers/") and not n.endswith("/")]
    if not any(n.endswith("onnxruntime_cxx_api.h") for n in names):
        sys.exit(f"fetch_onnxruntime: {aar}: no headers/onnxruntime_cxx_api.h inside")
    for n in names:
        with open(os.path.join(out, os.path.basename(n)), "wb") as f:
            f.write(z.read(n))
EOF
# The library's SONAME is libonnxruntime.so.1; the unversioned name is the link-time name.
mv "$work/package/Plugins/Linux/x64/libonnxruntime.so" "$staging/lib/libonnxruntime.so.1"
ln -s libonnxruntime.so.1 "$staging/lib/libonnxruntime.so"
mv "$work/package/Plugins/Linux/x64/libonnxruntime_providers_shared.so" "$staging/lib/"
mv "$work/package/LICENSE" "$staging/LICENSE"
swap_in "$ORT_DIR" "$WANT"
echo "fetch_onnxruntime: ONNX Runtime 1.29.0 in $ORT_DIR" >&2
