#!/usr/bin/env python3
"""Writes Hark's toolbar icons (a blue disc with a white microphone) as PNGs into extension/icons/,
no dependencies. Run from anywhere: python3 scripts/make-icons.py. Kept out of extension/ so it
never ships in a package."""
import math, pathlib, struct, zlib

ICONS = pathlib.Path(__file__).resolve().parent.parent / 'extension' / 'icons'

def png(size, pixel):
    rows = b''.join(b'\x00' + b''.join(bytes(pixel(x, y, size)) for x in range(size)) for y in range(size))
    chunk = lambda t, d: struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', size, size, 8, 6, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(rows, 9)) + chunk(b'IEND', b'')

def coverage(inside, x, y, n=4):
    return sum(inside(x + (i + .5) / n, y + (j + .5) / n) for i in range(n) for j in range(n)) / (n * n)

def icon(x, y, s):
    u = lambda v: v * s  # coordinates in a 0..1 box
    c = s / 2
    disc = lambda px, py: (px - c) ** 2 + (py - c) ** 2 <= (s * .48) ** 2
    def mic(px, py):
        X, Y = px / s, py / s
        head = abs(X - .5) <= .11 and .2 <= Y <= .52 or (X - .5) ** 2 + (Y - .2) ** 2 <= .11 ** 2 or (X - .5) ** 2 + (Y - .52) ** 2 <= .11 ** 2
        r = math.hypot(X - .5, Y - .5)
        cup = .17 <= r <= .23 and Y >= .5
        stem = abs(X - .5) <= .03 and .72 <= Y <= .82
        base = abs(X - .5) <= .13 and .8 <= Y <= .86
        return head or cup or stem or base
    d, m = coverage(disc, x, y), coverage(mic, x, y)
    bg = (26, 115, 232)
    r, g, b = (round(bg[i] * (1 - m) + 255 * m) for i in range(3))
    return (r, g, b, round(255 * d))

for size in (16, 32, 48, 128):
    with open(ICONS / f'icon{size}.png', 'wb') as f:
        f.write(png(size, icon))
