#!/usr/bin/env bash
# Node modules the tests' JavaScript needs (tests/reference/*.js; playwright-core drives Debian's chromium
# for the review page's tests, tests/web), from the npm registry,
# pinned, without install scripts, into third_party/node_reference/. Idempotent.
# playwright-core 1.61 is the last that runs on Debian 12's Node.js 18 (1.62 wants 20).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=third_party/node_reference
PINS=(ndarray@1.0.19 pngjs@7.0.0 @tensorflow/tfjs@4.22.0 nsfwjs@4.4.0 playwright-core@1.61.1)
STAMP="$OUT/.fetched"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "${PINS[*]}" ]]; then
  exit 0
fi
mkdir -p "$OUT"
[[ -f "$OUT/package.json" ]] || echo '{"name": "tagforge-test-reference", "private": true}' > "$OUT/package.json"
npm install --prefix "$OUT" --ignore-scripts --no-audit --no-fund --save-exact --silent "${PINS[@]}"
echo "${PINS[*]}" > "$STAMP"
