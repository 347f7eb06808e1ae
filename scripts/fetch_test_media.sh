#!/usr/bin/env bash
# Fetches real images for the tests from Debian's own archive: the sprites and backgrounds of the
# Ren'Py demo game "The Question" (package renpy-thequestion, Expat licence). The sprites are RGBA
# anime characters whose alpha is a true subject mask; the backgrounds are 1280x720 JPEGs.
#
# `apt-get download` fetches the .deb only (nothing is installed); `dpkg -x` unpacks it.
# Idempotent: a stamp records the package version unpacked.
#
#   scripts/fetch_test_media.sh      -> third_party/test_media/renpy/*.png, *.jpg
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE=renpy-thequestion
OUT=${TEST_MEDIA_DIR:-third_party/test_media}
STAMP="$OUT/.fetched"

candidate() { apt-cache policy "$PACKAGE" 2>/dev/null | awk '/Candidate:/ {print $2}'; }
version=$(candidate)
if [[ -z "$version" || "$version" == "(none)" ]]; then
  # A machine whose package lists were never fetched (or were cleaned) knows no candidate yet.
  if [[ $(id -u) -eq 0 ]]; then apt-get update -q >&2; elif command -v sudo >/dev/null; then sudo apt-get update -q >&2; fi
  version=$(candidate)
fi
if [[ -z "$version" || "$version" == "(none)" ]]; then
  echo "fetch_test_media: apt knows no package $PACKAGE (is Debian's main archive in sources.list?)" >&2
  exit 2
fi
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$PACKAGE $version" ]]; then
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# _apt cannot write into root's temp folder; fetching as root there is fine for one .deb.
(cd "$work" && apt-get download -q "$PACKAGE=$version" 2>&1 | grep -v 'unsandboxed' >&2 || true)
deb=$(ls "$work"/*.deb 2>/dev/null | head -1)
if [[ -z "$deb" ]]; then
  echo "fetch_test_media: apt-get download $PACKAGE=$version fetched nothing" >&2
  exit 1
fi
dpkg-deb -x "$deb" "$work/x"
images="$work/x/usr/share/games/renpy/the_question/game/images"
if ! ls "$images"/*.png >/dev/null 2>&1; then
  echo "fetch_test_media: $deb has no images where expected ($images)" >&2
  exit 1
fi

rm -rf "$OUT.partial"
mkdir -p "$OUT.partial/renpy"
cp "$images"/*.png "$images"/*.jpg "$OUT.partial/renpy/"
cp "$work/x/usr/share/doc/$PACKAGE/copyright" "$OUT.partial/renpy/COPYRIGHT" 2>/dev/null || true
echo "$PACKAGE $version" > "$OUT.partial/.fetched"
rm -rf "$OUT"
mkdir -p "$(dirname "$OUT")"
mv "$OUT.partial" "$OUT"
echo "fetch_test_media: $(ls "$OUT/renpy" | wc -l) files in $OUT/renpy" >&2
