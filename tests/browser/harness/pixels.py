"""The colours of a screenshot, read without an imaging library: Chromium's PNGs are
8-bit RGB or RGBA, not interlaced, so zlib and the five PNG row filters are enough."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

Pixel = tuple[int, int, int]


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def png_pixels(data: bytes) -> Iterator[Pixel]:
    """Every pixel of the PNG ``data`` as (r, g, b)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and colour in (2, 6), (depth, colour)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                line[i] = (line[i] + _paeth(left, up, corner)) & 0xFF
        for x in range(width):
            yield line[x * channels], line[x * channels + 1], line[x * channels + 2]
        previous = line


def share_of(data: bytes, matches: object) -> float:
    """The share of the screenshot's pixels for which ``matches(pixel)`` is true."""
    pixels = list(png_pixels(data))
    return sum(1 for p in pixels if matches(p)) / max(len(pixels), 1)  # type: ignore[operator]


def reddish(pixel: Pixel) -> bool:
    r, g, b = pixel
    return r > 150 and g < 110 and b < 110


def greenish(pixel: Pixel) -> bool:
    r, g, b = pixel
    return g > 100 and g > r + 30 and g > b + 20
