#!/usr/bin/python3
"""Reference decode and WD-tagger preparation of real image files, by python3-pil.

    wd_files.py OUT SIZE FILE...        per FILE (numbered in order): OUT/N.pixels, the decoded
                                        pixels (RGBA or RGB as the file has them), and OUT/N.wd, the
                                        tagger's prepared SIZE x SIZE RGB (wd_input.prepare)
    wd_files.py --big OUT.jpg BG SPRITE a 3000x2000 JPEG (quality 92) of a real background with a
                                        sprite on it and fine noise: a large camera-sized photo
"""
import os
import sys

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wd_input import prepare  # noqa: E402


def reference(out, size, files):
    for i, path in enumerate(files):
        im = Image.open(path)
        alpha = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
        im = im.convert("RGBA" if alpha else "RGB")
        with open(f"{out}/{i}.pixels", "wb") as f:
            f.write(im.tobytes())
        with open(f"{out}/{i}.wd", "wb") as f:
            f.write(prepare(im, size).tobytes())


def big(out, bg, sprite):
    canvas = Image.open(bg).convert("RGB").resize((3000, 2000), Image.LANCZOS)
    s = Image.open(sprite).convert("RGBA")
    s = s.resize((s.width * 2, s.height * 2), Image.LANCZOS)
    canvas.paste(s, (1100, 2000 - s.height), s)
    noise = Image.effect_noise((3000, 2000), 24).convert("RGB")
    canvas = Image.blend(canvas, noise, 0.08)
    canvas.save(out, quality=92)


if __name__ == "__main__":
    if sys.argv[1] == "--big":
        big(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        reference(sys.argv[1], int(sys.argv[2]), sys.argv[3:])
