"""Image dimensions from the first bytes of a file, for JPEG, PNG, GIF, WebP, BMP and TIFF; pure.

Why: the function checks OSS's pixel limits before it spends an IMG call, from a small ranged GET,
and deployed code carries no imaging library.
"""

from __future__ import annotations

import struct

HEAD_BYTES = 64 * 1024


def dimensions(head: bytes) -> tuple[int, int] | None:
    """``(width, height)`` read from the start of an image file, or None when unknown."""
    for probe in (_png, _gif, _webp, _bmp, _tiff, _jpeg):
        try:
            found = probe(head)
        except (struct.error, IndexError):
            found = None
        if found is not None:
            return found
    return None


def _png(head: bytes) -> tuple[int, int] | None:
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def _gif(head: bytes) -> tuple[int, int] | None:
    if head[:6] not in (b"GIF87a", b"GIF89a"):
        return None
    width, height = struct.unpack("<HH", head[6:10])
    return int(width), int(height)


def _webp(head: bytes) -> tuple[int, int] | None:
    if head[:4] != b"RIFF" or head[8:12] != b"WEBP":
        return None
    chunk = head[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L":
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", head[26:30])
        return int(width) & 0x3FFF, int(height) & 0x3FFF
    return None


def _bmp(head: bytes) -> tuple[int, int] | None:
    if head[:2] != b"BM":
        return None
    width, height = struct.unpack("<ii", head[18:26])
    return abs(int(width)), abs(int(height))


def _tiff(head: bytes) -> tuple[int, int] | None:
    order = {b"II*\x00": "<", b"MM\x00*": ">"}.get(head[:4])
    if order is None:
        return None
    offset = struct.unpack(order + "I", head[4:8])[0]
    (count,) = struct.unpack(order + "H", head[offset : offset + 2])
    size: dict[int, int] = {}
    for n in range(count):
        entry = head[offset + 2 + 12 * n : offset + 14 + 12 * n]
        tag, kind = struct.unpack(order + "HH", entry[:4])
        if tag in (256, 257):
            size[tag] = struct.unpack(order + ("H" if kind == 3 else "I"), entry[8 : 10 if kind == 3 else 12])[0]
    return (size[256], size[257]) if len(size) == 2 else None


def _jpeg(head: bytes) -> tuple[int, int] | None:
    if head[:2] != b"\xff\xd8":
        return None
    at = 2
    while at + 9 < len(head):
        if head[at] != 0xFF:
            return None
        marker = head[at + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        (length,) = struct.unpack(">H", head[at + 2 : at + 4])
        # Start-of-frame markers carry the size; C4 (DHT), C8 and CC are not frames.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", head[at + 5 : at + 9])
            return int(width), int(height)
        at += 2 + length
    return None
