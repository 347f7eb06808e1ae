#!/usr/bin/env bash
# Set up (as scripts/setup.sh), then run the whole test suite with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/fetch_test_media.sh      # real images the decoding tests compare against Pillow
scripts/fetch_test_reference.sh  # node modules for the JavaScript references (imgly's own code)
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j"$(nproc)"
