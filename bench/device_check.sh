#!/usr/bin/env bash
# The GPU check of issue 22, for a machine with an NVIDIA GPU: the model
# benchmarks on CUDA next to the CPU, with the GPU's utilisation sampled
# while they run. Prints figures; asserts nothing.
#
#   ORT_GPU_DIR=/opt/onnxruntime-gpu bench/device_check.sh [BUILD_DIR]
#
# Needs:
#  - the binaries built (scripts/setup.sh, or carried in BUILD_DIR, default build);
#  - an ONNX Runtime with the CUDA execution provider: a folder holding libonnxruntime.so.1
#    and libonnxruntime_providers_cuda.so (the onnxruntime-linux-x64-gpu release, or a build of
#    ORT with --use_cuda), in ORT_GPU_DIR or found in the usual places below. The binaries use it
#    through LD_LIBRARY_PATH: ONNX Runtime's C API is stable across versions, so a build against
#    the CPU runtime of scripts/fetch_onnxruntime.sh runs on a newer GPU one unchanged. The npm
#    package onnxruntime-node ships no CUDA provider for Linux (its install script downloads one
#    from NuGet), so set-up cannot fetch one here;
#  - the real models for bench_vision and bench_pipeline's real section (scripts/setup.sh);
#    without them those parts say so and the generated models still run.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build}
BIN=$BUILD_DIR/bin

echo "== the GPU"
if ! command -v nvidia-smi >/dev/null; then
  echo "device_check: no nvidia-smi on this machine: no NVIDIA GPU to check" >&2
  exit 3
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
echo "cores: $(nproc)"

# The first folder that has both the runtime and its CUDA provider.
ort_gpu=""
for dir in ${ORT_GPU_DIR:-} ${ORT_GPU_DIR:+$ORT_GPU_DIR/lib} /opt/onnxruntime*/lib /usr/local/lib /usr/lib/x86_64-linux-gnu; do
  if [[ -e $dir/libonnxruntime_providers_cuda.so && -e $dir/libonnxruntime.so.1 ]]; then
    ort_gpu=$dir
    break
  fi
done
if [[ -z $ort_gpu ]]; then
  echo "device_check: no ONNX Runtime with the CUDA execution provider found" \
       "(libonnxruntime.so.1 beside libonnxruntime_providers_cuda.so); set ORT_GPU_DIR" >&2
  exit 4
fi
echo "ONNX Runtime with CUDA: $ort_gpu"
export LD_LIBRARY_PATH=$ort_gpu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

# Runs "$@" while sampling the GPU's utilisation every 200 ms; prints its mean and peak after.
with_utilisation() {
  local log
  log=$(mktemp)
  nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits -lms 200 >"$log" &
  local sampler=$!
  "$@"
  local status=$?
  kill "$sampler" 2>/dev/null
  wait "$sampler" 2>/dev/null
  awk -F', ' '{ n++; s += $1; if ($1 > p) p = $1; if ($2 > m) m = $2 }
              END { if (n) printf "GPU utilisation: mean %.0f %%, peak %d %% over %d samples; memory used at most %d MiB\n", s / n, p, n, m }' "$log"
  rm -f "$log"
  return $status
}

for device in cpu cuda; do
  echo
  echo "== bench_tagger on $device (generated WD v3-shaped taggers: 1.4, 9.4 and 52 GMAC an image)"
  with_utilisation "$BIN/bench_tagger" --images 200 --device "$device" --rounds 2
  echo
  echo "== bench_vision on $device (ISNet and nsfwjs on the test media)"
  with_utilisation "$BIN/bench_vision" --device "$device" --rounds 2
  echo
  echo "== bench_pipeline on $device (tiny models, then ISNet + nsfwjs on 48 test images)"
  with_utilisation "$BIN/bench_pipeline" --images 1000 --real 48 --memory-items 0 --device "$device"
done
