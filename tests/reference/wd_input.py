#!/usr/bin/python3
"""Reference tagger inputs: the preparation of SmilingWolf's WD v3 tagger
(alpha composited on white, padded to a centred white square, resized with
Pillow's BICUBIC), done by python3-pil, for the tagger_input unit test.

Writes into OUT_DIR, per case, NAME.src (raw RGBA or RGB) and NAME.wd (the
prepared RGB, before the float conversion), and a line per case in
cases.txt: name width height channels size.
"""
import sys

from PIL import Image, ImageDraw


def picture(w, h, with_alpha):
    im = Image.merge("RGB", (Image.linear_gradient("L").resize((w, h)),
                             Image.effect_noise((w, h), 50),
                             Image.radial_gradient("L").resize((w, h))))
    ImageDraw.Draw(im).ellipse((w // 4, h // 4, w * 3 // 4, h * 3 // 4), outline=(255, 0, 0), width=3)
    if not with_alpha:
        return im
    alpha = Image.linear_gradient("L").rotate(90).resize((w, h))
    ImageDraw.Draw(alpha).rectangle((0, 0, w // 5, h), fill=0)  # a fully transparent band
    im.putalpha(alpha)
    return im


def prepare(image, target):
    canvas = Image.new("RGBA", image.size, (255, 255, 255))
    canvas.alpha_composite(image.convert("RGBA"))
    image = canvas.convert("RGB")
    max_dim = max(image.size)
    pad_left = (max_dim - image.size[0]) // 2
    pad_top = (max_dim - image.size[1]) // 2
    padded = Image.new("RGB", (max_dim, max_dim), (255, 255, 255))
    padded.paste(image, (pad_left, pad_top))
    if max_dim != target:
        padded = padded.resize((target, target), Image.BICUBIC)
    return padded


CASES = [("rgba_wide", 300, 181, True, 448), ("rgb_tall", 120, 413, False, 448),
         ("rgba_square", 448, 448, True, 448), ("rgb_big", 1500, 1000, False, 64)]


def main(out):
    lines = []
    for name, w, h, alpha, size in CASES:
        im = picture(w, h, alpha)
        with open(f"{out}/{name}.src", "wb") as f:
            f.write(im.tobytes())
        with open(f"{out}/{name}.wd", "wb") as f:
            f.write(prepare(im, size).tobytes())
        lines.append(f"{name} {w} {h} {4 if alpha else 3} {size}")
    with open(f"{out}/cases.txt", "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
