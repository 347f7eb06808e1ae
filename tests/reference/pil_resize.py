#!/usr/bin/python3
"""Reference resizes by Pillow (python3-pil), for the resample unit test.

Writes into OUT_DIR, for each case, NAME.src and NAME.pil (raw 8-bit pixels,
rows packed) and one line per case in cases.txt: name width height channels
out_width out_height. The pictures mix smooth gradients, noise and hard
edges, which is what separates one filter from another.
"""
import sys

from PIL import Image, ImageDraw


def picture(w, h, mode):
    grad = Image.linear_gradient("L").resize((w, h), Image.BILINEAR)
    radial = Image.radial_gradient("L").resize((w, h), Image.BILINEAR)
    noise = Image.effect_noise((w, h), 64)
    im = Image.merge("RGB", (grad, noise, radial))
    d = ImageDraw.Draw(im)
    d.ellipse((w // 5, h // 6, w * 3 // 5, h * 5 // 6), outline=(255, 255, 255), width=max(1, w // 90))
    d.line((0, h - 1, w - 1, 0), fill=(0, 0, 0), width=max(1, w // 200))
    d.rectangle((w * 2 // 3, h // 3, w * 5 // 6, h // 2), fill=(250, 20, 130))
    for x in range(0, w, max(2, w // 40)):
        d.line((x, 0, x, h // 8), fill=(0, 255, 0))
    return im.convert(mode)


CASES = [
    ("shrink_tagger", 1200, 900, "RGB", 448, 448),
    ("shrink_odd", 1000, 31, "RGB", 333, 7),
    ("grow", 97, 61, "RGB", 448, 448),
    ("grow_small", 3, 3, "RGB", 5, 2),
    ("width_only", 640, 480, "RGB", 320, 480),
    ("height_only", 300, 500, "L", 300, 123),
    ("same_size", 64, 48, "RGB", 64, 48),
    ("grey_shrink", 777, 555, "L", 100, 99),
]


def main(out):
    lines = []
    for name, w, h, mode, ow, oh in CASES:
        im = picture(w, h, mode)
        ref = im.resize((ow, oh), Image.BICUBIC)
        with open(f"{out}/{name}.src", "wb") as f:
            f.write(im.tobytes())
        with open(f"{out}/{name}.pil", "wb") as f:
            f.write(ref.tobytes())
        lines.append(f"{name} {w} {h} {len(mode)} {ow} {oh}")
    with open(f"{out}/cases.txt", "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
