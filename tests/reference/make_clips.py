#!/usr/bin/python3
"""Clips with known content for the frame-reading tests, made by python3-pil and the ffmpeg CLI.

    make_clips.py OUT_DIR

delays.gif   3 frames, 40x30: red 100 ms, green 200 ms, blue 50 ms; a transparent pixel at (0, 0)
cfr.mp4      2 s of ffmpeg's testsrc at 10 fps, 160x120, H.264
vfr.mkv      frames at 0, 0.1, 0.2, 0.5, 1.0 s (variable frame rate)
rotated.mp4  64x32 frames, left half red, right half blue, with a display matrix (a phone held
             upright); rotated_shown.png is its first frame as ffmpeg itself displays it
audio.m4a    one second of sine, no video
cuts.mp4     3 s at 10 fps, 160x120: testsrc, then smptebars, then testsrc2 (cuts at frames 10 and 20)
static.mp4   1 s at 10 fps of one grey: nothing moves
long.gif     5,000 distinct frames of 16x16, 20 ms each (100 s): black or white, switching every 50
             frames, with two pixels counting the frames (so Pillow cannot merge any)
delays.apng  the frames and delays of delays.gif as an animated PNG (with alpha)
delays.webp  the same as a lossless animated WebP
blink.mp4    2 s at 10 fps, 160x120: one second black, then one second white (for the bright_face
             test detector, which finds a face only in the white half)
huge.gif     a GIF whose screen claims 16384x16384 (one 1x1 frame); big.gif the same at 12000x12000:
             both must be refused, not allocated
"""
import os
import subprocess
import sys

from PIL import Image


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def main(out):
    frames = []
    for colour in [(255, 0, 0, 255), (0, 255, 0, 255), (0, 0, 255, 255)]:
        im = Image.new("RGBA", (40, 30), colour)
        im.putpixel((0, 0), (0, 0, 0, 0))
        frames.append(im)
    frames[0].save(os.path.join(out, "delays.gif"), save_all=True, append_images=frames[1:],
                   duration=[100, 200, 50], loop=0, disposal=2)
    frames[0].save(os.path.join(out, "delays.apng"), format="PNG", save_all=True, append_images=frames[1:],
                   duration=[100, 200, 50], loop=0)
    frames[0].save(os.path.join(out, "delays.webp"), format="WEBP", save_all=True, append_images=frames[1:],
                   duration=[100, 200, 50], loop=0, lossless=True)

    ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "2", "-pix_fmt", "yuv420p",
           "-c:v", "libx264", os.path.join(out, "cfr.mp4"))

    # Variable frame rate: five frames with chosen timestamps (ms), in Matroska.
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-frames:v", "5",
           "-vf", "setpts='if(eq(N,0),0,if(eq(N,1),0.1,if(eq(N,2),0.2,if(eq(N,3),0.5,1.0))))/TB'",
           "-fps_mode", "passthrough", "-c:v", "libx264", "-pix_fmt", "yuv420p", os.path.join(out, "vfr.mkv"))

    im = Image.new("RGB", (64, 32), (0, 0, 255))
    im.paste((255, 0, 0), (0, 0, 32, 32))
    im.save(os.path.join(out, "halves.png"))
    ffmpeg("-loop", "1", "-i", os.path.join(out, "halves.png"), "-t", "0.5", "-r", "4", "-pix_fmt", "yuv444p",
           "-c:v", "libx264", os.path.join(out, "upright.mp4"))
    # FFmpeg 5.1 writes the display matrix from the rotate tag when remuxing.
    ffmpeg("-i", os.path.join(out, "upright.mp4"), "-c", "copy", "-metadata:s:v:0", "rotate=90",
           os.path.join(out, "rotated.mp4"))
    ffmpeg("-i", os.path.join(out, "rotated.mp4"), "-frames:v", "1", os.path.join(out, "rotated_shown.png"))

    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", os.path.join(out, "audio.m4a"))

    sources = ["testsrc", "smptebars", "testsrc2"]
    inputs = []
    for name in sources:
        inputs += ["-f", "lavfi", "-i", f"{name}=size=160x120:rate=10:duration=1"]
    ffmpeg(*inputs, "-filter_complex", "[0:v][1:v][2:v]concat=n=3:v=1[out]", "-map", "[out]",
           "-pix_fmt", "yuv420p", "-c:v", "libx264", os.path.join(out, "cuts.mp4"))
    ffmpeg("-f", "lavfi", "-i", "color=c=gray:size=160x120:rate=10:duration=1", "-pix_fmt", "yuv420p",
           "-c:v", "libx264", os.path.join(out, "static.mp4"))
    ffmpeg("-f", "lavfi", "-i", "color=c=black:size=160x120:rate=10:duration=1",
           "-f", "lavfi", "-i", "color=c=white:size=160x120:rate=10:duration=1",
           "-filter_complex", "[0:v][1:v]concat=n=2:v=1[out]", "-map", "[out]",
           "-pix_fmt", "yuv420p", "-c:v", "libx264", os.path.join(out, "blink.mp4"))

    palette = [v for g in range(256) for v in (g, g, g)]
    shades = []
    for i in range(5000):
        im = Image.new("P", (16, 16), 255 if (i // 50) % 2 else 0)
        im.putpixel((0, 0), i % 256)
        im.putpixel((1, 0), i // 256)
        im.putpalette(palette)
        shades.append(im)
    shades[0].save(os.path.join(out, "long.gif"), save_all=True, append_images=shades[1:], duration=20, loop=0,
                   optimize=False)

    # Header, logical screen 16384x16384 with no global table, one 1x1 image, end.
    for name, side in (("huge.gif", 16384), ("big.gif", 12000)):
        data = (b"GIF89a" + side.to_bytes(2, "little") * 2 + b"\x00\x00\x00" +
                b"\x2c" + b"\x00\x00\x00\x00" + b"\x01\x00\x01\x00" + b"\x80" + b"\x00\x00\x00\xff\xff\xff" +
                b"\x02\x02\x44\x01\x00" + b"\x3b")
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main(sys.argv[1])
