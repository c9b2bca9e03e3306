"""What an image file is, and its dimensions, from its first bytes; pure.

Why: the function checks, before it spends an IMG call, that an object is an image OSS IMG reads
and within its pixel limits, from one small ranged GET; deployed code carries no imaging library.
Formats are told by their magic bytes, never by the key's suffix or the declared content type.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import NamedTuple

HEAD_BYTES = 64 * 1024
# ISO-BMFF brands (the ``ftyp`` box): AVIF's own, the HEIF family OSS reads as HEIC, and the
# generic image brands both use, which the compatible brands then tell apart.
AVIF_BRANDS = frozenset({b"avif", b"avis"})
HEIC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"})
GENERIC_BRANDS = frozenset({b"mif1", b"msf1"})
# A BMP's DIB header sizes (BITMAPCOREHEADER … BITMAPV5HEADER): "BM" alone starts too many text files.
BMP_DIB_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})


class Header(NamedTuple):
    """An image's format (OSS's name: jpg, png, …) and its size when the first bytes tell it."""

    format: str
    size: tuple[int, int] | None


def identify(head: bytes) -> Header | None:
    """The format and size of the image that starts with ``head``, or None when it is no image
    format OSS IMG reads (JPG, PNG, GIF, WebP, BMP, TIFF, HEIC, AVIF)."""
    fmt = image_format(head)
    if fmt is None:
        return None
    try:
        size = _SIZES[fmt](head) if fmt in _SIZES else None
    except (struct.error, IndexError):
        size = None
    return Header(fmt, size)


def dimensions(head: bytes) -> tuple[int, int] | None:
    """``(width, height)`` read from the start of an image file, or None when unknown."""
    found = identify(head)
    return None if found is None else found.size


def image_format(head: bytes) -> str | None:
    """Which image format the magic bytes at the start of a file announce, or None."""
    if head[:3] == b"\xff\xd8\xff":
        return "jpg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:2] == b"BM" and len(head) >= 18 and int.from_bytes(head[14:18], "little") in BMP_DIB_SIZES:
        return "bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[4:8] == b"ftyp":
        return _bmff_format(head)
    return None


def _bmff_format(head: bytes) -> str | None:
    major = head[8:12]
    if major in AVIF_BRANDS:
        return "avif"
    if major in HEIC_BRANDS:
        return "heic"
    box = min(int.from_bytes(head[:4], "big"), len(head))
    compatible = {head[at : at + 4] for at in range(16, box - 3, 4)}
    if major not in GENERIC_BRANDS:
        return None
    if compatible & AVIF_BRANDS:
        return "avif"
    return "heic" if compatible & (HEIC_BRANDS | GENERIC_BRANDS) else None


def _png(head: bytes) -> tuple[int, int] | None:
    if head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def _gif(head: bytes) -> tuple[int, int] | None:
    width, height = struct.unpack("<HH", head[6:10])
    return int(width), int(height)


def _webp(head: bytes) -> tuple[int, int] | None:
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
    width, height = struct.unpack("<ii", head[18:26])
    return abs(int(width)), abs(int(height))


def _tiff(head: bytes) -> tuple[int, int] | None:
    order = "<" if head[:2] == b"II" else ">"
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


_SIZES: dict[str, Callable[[bytes], tuple[int, int] | None]] = {
    "jpg": _jpeg,
    "png": _png,
    "gif": _gif,
    "webp": _webp,
    "bmp": _bmp,
    "tiff": _tiff,
}
