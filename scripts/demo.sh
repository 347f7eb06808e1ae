#!/usr/bin/env bash
# Quick start: set up, then run the whole pipeline (`tagforge run`) on example media from Debian's
# archive: the Ren'Py demo's anime sprites and backgrounds (renpy-thequestion), real GIFs and MP4s
# (python3-imageio, python3-skimage, afl++-doc), a few scraped-style tag files, an unknown and a
# broken file. The models are the ones to be had from the registries set-up uses: ISNet segmentation
# (imgly's, from npm) and nsfwjs's NSFW classifier (converted to ONNX at set-up). No registry ships a
# booru tagger: `build/bin/tagforge models pull wd-vit-tagger-v3` fetches the real one from the
# Hugging Face hub, and every later demo uses it (and any detector pulled: face, head, person, hand).
# Idempotent: every run starts from a fresh example in build/example.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/fetch_test_media.sh
EX=build/example
rm -rf "$EX"
mkdir -p "$EX/in/sprites" "$EX/in/backgrounds" "$EX/in/clips"
cp third_party/test_media/renpy/*.png "$EX/in/sprites/"
cp third_party/test_media/renpy/*.jpg "$EX/in/backgrounds/"
cp third_party/test_media/clips/* "$EX/in/clips/"
# Tag files as a booru scraper leaves them: some right, one wrong (the hair is brown), most missing.
# Each blue sprite's list names its expression, so the run's dedupe keeps all four (the untagged
# green ones are a few pixels apart and are grouped as copies).
for face in "normal:closed_mouth" "smile:smile" "giggle:smile, closed_eyes" "surprised:open_mouth, surprised"; do
  echo "1girl, solo, brown_hair, long_hair, blue_dress, looking_at_viewer, ${face#*:}" > "$EX/in/sprites/sylvie blue ${face%%:*}.txt"
done
echo "1girl, solo, green_hair, green_dress, Smile" > "$EX/in/sprites/sylvie green smile.txt"
echo "no_humans, scenery, outdoors, grass, sky, cloud, tree" > "$EX/in/backgrounds/bg meadow.txt"
echo "no_humans, indoors, classroom, chair, window" > "$EX/in/backgrounds/bg lecturehall.txt"
echo "no_humans, bird, animal_focus, cockatoo" > "$EX/in/clips/cockatoo.txt"
echo "no_humans, still_life, indoors" > "$EX/in/clips/newtonscradle.txt"
echo "downloaded from somewhere" > "$EX/in/README.nfo"
printf '\x89PNG\r\n' > "$EX/in/sprites/cut_short.png"

build/bin/tagforge init "$EX/tagforge.toml"
echo
echo "== tagforge run $EX/in --out $EX/out --config $EX/tagforge.toml --segmenter isnet-imgly --vfps 1 --gfps 2"
echo "   (the tagger and detectors are the catalogue's defaults, when pulled; nsfwjs is the NSFW default;"
echo "    ISNet takes a few seconds per image on a small CPU; the input is never written)"
build/bin/tagforge run "$EX/in" --out "$EX/out" --config "$EX/tagforge.toml" \
  --segmenter isnet-imgly --vfps 1 --gfps 2 || true
echo
echo "== the output"
(cd "$EX/out" && ls -d */ && echo && head -c 400 metadata.jsonl && echo "…")
echo
echo "   sprites/sylvie blue smile.png, now $(ls "$EX"/out/*/sylvie\ blue\ smile.png | sed "s|$EX/out/||"):"
echo "   tags:    $(cat "$EX"/out/*/sylvie\ blue\ smile.txt)"
echo "   caption: $(cat "$EX"/out/*/sylvie\ blue\ smile.caption)"
echo
echo "== the same run again: every result comes from the manifest"
build/bin/tagforge run "$EX/in" --out "$EX/out" --config "$EX/tagforge.toml" \
  --segmenter isnet-imgly --vfps 1 --gfps 2 2>&1 | head -3 || true
echo
echo "== a messy tag list through tagforge tags clean --stdin --explain"
echo '1girl, Long Hair, very long hair, (blue eyes:1.2), ^_^, 1girls, my_trigger, solo, 2girls, black thighhighs, thighhighs' |
  build/bin/tagforge tags clean --stdin --explain
echo
echo "== tagforge caption --stdin --trigger ohwx"
echo '1girl, hatsune_miku, vocaloid, solo, long hair, twintails, aqua hair, smile, sitting, outdoors, red dress' |
  build/bin/tagforge caption --stdin --trigger ohwx
echo
echo "Open $EX/out/report.html in a browser. The input in $EX/in is untouched; the output's"
echo "buckets are hard links, its manifest is $EX/out/.tagforge/manifest.sqlite."
echo "To look at it, fix captions and tags and approve them: build/bin/tagforge serve $EX/out"
echo "(then open the address it prints; Ctrl+C stops it)."
if ! build/bin/tagforge models path wd-vit-tagger-v3 >/dev/null 2>&1; then
  untagged=$(find "$EX/out" -path "$EX/out/missing_tags_*" -type f \( -name '*.png' -o -name '*.jpg' \) | wc -l)
  echo
  echo "No tagger ran: $untagged images and frames had no tags of their own and are in missing_tags_1."
  echo "No package registry ships a booru tagger; this gets the real one (WD v3, 379 MB, Hugging Face hub),"
  echo "and the next scripts/demo.sh tags everything:"
  echo
  echo "    build/bin/tagforge models pull wd-vit-tagger-v3"
fi
