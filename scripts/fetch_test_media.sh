#!/usr/bin/env bash
# Fetches real media for the tests from Debian's own archive (`apt-get download` fetches the .deb
# only, nothing is installed; `dpkg-deb -x` unpacks it):
#   renpy/  the Ren'Py demo "The Question" (renpy-thequestion, Expat): RGBA anime sprites whose alpha
#           is a true subject mask, and 1280x720 JPEG backgrounds;
#   clips/  real GIFs and videos: newtonscradle.gif, realshort.mp4, cockatoo.mp4 (python3-imageio),
#           no_time_for_that_tiny.gif (python3-skimage), small_movie.mp4 (afl++-doc).
# Idempotent: a stamp records the package versions unpacked.
#
#   scripts/fetch_test_media.sh      -> third_party/test_media/{renpy,clips}/
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/staged_dir.sh

OUT=${TEST_MEDIA_DIR:-third_party/test_media}
PACKAGES=(renpy-thequestion python3-imageio python3-skimage afl++-doc)

candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}'; }
versions() {
  local out=""
  for p in "${PACKAGES[@]}"; do out+="$p=$(candidate "$p") "; done
  echo "$out"
}
want=$(versions)
if [[ "$want" == *"=(none)"* || "$want" == *"= "* ]]; then
  # A machine whose package lists were never fetched (or were cleaned) knows no candidate yet.
  if [[ $(id -u) -eq 0 ]]; then apt-get update -q >&2; elif command -v sudo >/dev/null; then sudo apt-get update -q >&2; fi
  want=$(versions)
fi
if [[ "$want" == *"=(none)"* || "$want" == *"= "* ]]; then
  echo "fetch_test_media: apt does not know all of ${PACKAGES[*]} ($want)" >&2
  exit 2
fi
if is_fetched "$OUT" "$want"; then
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for p in "${PACKAGES[@]}"; do
  # _apt cannot write into root's temp folder; fetching as root there is fine for a .deb.
  (cd "$work" && apt-get download -q "$p=$(candidate "$p")" 2>&1 | grep -v 'unsandboxed' >&2 || true)
done
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/x"; done

start_staging "$OUT" >/dev/null
mkdir -p "$OUT.partial/renpy" "$OUT.partial/clips"
copy() {  # copy SOURCE DEST_DIR: fails loudly when a package no longer has the file
  if ! cp "$1" "$2/"; then
    echo "fetch_test_media: $1 is not where it was expected" >&2
    exit 1
  fi
}
images="$work/x/usr/share/games/renpy/the_question/game/images"
for f in "$images"/*.png "$images"/*.jpg; do copy "$f" "$OUT.partial/renpy"; done
cp "$work/x/usr/share/doc/renpy-thequestion/copyright" "$OUT.partial/renpy/COPYRIGHT" 2>/dev/null || true
imageio="$work/x/usr/lib/python3/dist-packages/imageio/resources/images"
copy "$imageio/newtonscradle.gif" "$OUT.partial/clips"
copy "$imageio/realshort.mp4" "$OUT.partial/clips"
copy "$imageio/cockatoo.mp4" "$OUT.partial/clips"
copy "$work/x/usr/lib/python3/dist-packages/skimage/data/no_time_for_that_tiny.gif" "$OUT.partial/clips"
copy "$work/x/usr/share/doc/afl++-doc/afl/testcases/multimedia/h264/small_movie.mp4" "$OUT.partial/clips"

swap_in "$OUT" "$want"
echo "fetch_test_media: $(ls "$OUT/renpy" | wc -l) files in $OUT/renpy, $(ls "$OUT/clips" | wc -l) in $OUT/clips" >&2
