"""Encode per format and quality: the only module that writes image files.

Outputs go to memory up to 4 MB and to a temporary file beyond, so a large output is never held
whole. JPEG flattens transparency onto white (oss-img-spec §3.9).
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable
from typing import BinaryIO, cast

from PIL import Image

from .. import errors
from .codecs import STD_LUMA

PIL_FORMAT = {"png": "PNG", "bmp": "BMP", "tiff": "TIFF", "heic": "HEIF", "avif": "AVIF"}
MAX_AVIF_OUTPUT_PIXELS = 4096 * 2304
MAX_WEBP_SIDE = 16383
# Encoded outputs up to this size stay in memory; larger ones go to a temporary file.
SPILL_BYTES = 4 << 20
# HEIC and AVIF are encoded at the encoders' fastest settings: x265's default preset takes 100 s
# for a 16384x1024 HEIC (OSS's own limit allows it), "ultrafast" 19 s; libaom's speed 10 takes a
# tenth of the time of its default 6. Encoded bytes differ from OSS's whatever the preset.
HEIC_SPEED = {"preset": "ultrafast"}
AVIF_SPEED = 10


STD_CHROMA = (
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99, *(99,) * 32,
)  # fmt: skip


def jpeg_tables(quality: int) -> list[list[int]]:
    """libjpeg's standard luminance and chrominance tables scaled for ``quality`` (jcparam.c:
    5000/q below 50, 200 - 2q from 50, clamped to baseline's 1..255)."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return [[max(1, min(255, (v * scale + 50) // 100)) for v in table] for table in (STD_LUMA, STD_CHROMA)]


class _Spill(tempfile.SpooledTemporaryFile):  # type: ignore[type-arg]
    """Memory for small outputs, a temporary file past SPILL_BYTES. It hides its file descriptor so
    Pillow writes through ``write`` instead of forcing every output onto disk."""

    def __init__(self) -> None:
        super().__init__(max_size=SPILL_BYTES)

    def fileno(self) -> int:
        raise io.UnsupportedOperation("fileno")


def encode(
    image: Image.Image,
    fmt: str,
    *,
    quality: int,
    progressive: bool = False,
    frames: Iterable[Image.Image] | None = None,
) -> tuple[BinaryIO, int]:
    """``(file, length)``: ``image`` encoded in OSS format ``fmt``, rewound. JPEG flattens
    transparency onto white (§3.9); an animation keeps each frame's ``duration``."""
    check_output(image.size, fmt)
    out = _Spill()
    image = _encodable(image, fmt)
    if fmt == "jpg" and progressive:
        # A progressive JPEG must fit Pillow's output buffer whole, which Pillow sizes at one byte a
        # pixel below quality 95 (noise at quality 94 overflows it: "Suspension not allowed here")
        # and two from 95 or without a quality. libjpeg's own tables scaled for ``quality``, given
        # without it, write the same bytes with the larger buffer.
        image.save(out, "JPEG", qtables=jpeg_tables(quality), progressive=True, optimize=True)
    elif fmt == "jpg":
        image.save(out, "JPEG", quality=quality)
    elif fmt == "webp":
        image.save(out, "WEBP", quality=quality, method=4)
    elif fmt == "gif" and frames is not None:
        sequence = iter(frames)
        next(sequence).save(out, "GIF", save_all=True, append_images=sequence, loop=0, disposal=2)
    elif fmt == "gif":
        image.save(out, "GIF")
    elif fmt == "heic":
        image.save(out, "HEIF", quality=quality, enc_params=HEIC_SPEED)
    elif fmt == "avif":
        image.save(out, "AVIF", quality=quality, speed=AVIF_SPEED)
    else:
        image.save(out, PIL_FORMAT[fmt])
    length = out.tell()
    out.seek(0)
    return cast("BinaryIO", out), length


# Modes each encoder writes as they are; anything else is converted first.
_WRITES = {
    "jpg": ("L", "RGB", "CMYK"),
    "png": ("1", "L", "LA", "P", "RGB", "RGBA", "I;16"),
    "bmp": ("1", "L", "P", "RGB", "RGBA"),
    "tiff": ("1", "L", "LA", "P", "RGB", "RGBA", "CMYK"),
    "webp": ("RGB", "RGBA"),
    "heic": ("RGB", "RGBA"),
    "avif": ("RGB", "RGBA"),
    "gif": ("1", "L", "P", "RGB", "RGBA"),
}


def converts(mode: str, fmt: str) -> bool:
    """Whether encoding an image of ``mode`` as ``fmt`` makes a converted copy first."""
    return mode not in _WRITES[fmt] or (fmt == "jpg" and mode in ("LA", "RGBA", "PA", "La", "RGBa", "P"))


def _encodable(image: Image.Image, fmt: str) -> Image.Image:
    if fmt == "jpg":
        return flatten(image) if has_alpha(image) else image if image.mode in _WRITES[fmt] else image.convert("RGB")
    if image.mode in _WRITES[fmt]:
        return image
    return image.convert("RGBA" if has_alpha(image) else "RGB")


def has_alpha(image: Image.Image) -> bool:
    """Whether ``image`` has transparency."""
    return image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (image.mode == "P" and "transparency" in image.info)


def check_output(size: tuple[int, int], fmt: str) -> None:
    """OSS's per-format output limits (oss-img-spec §2). Raises ImageTooLarge."""
    if fmt == "webp" and max(size) > MAX_WEBP_SIDE:
        raise errors.ImageTooLarge(
            "Maximum width and height allowed is 16383 pixels for converting webp.", ec="0040-00000011"
        )
    if fmt == "avif" and size[0] * size[1] > MAX_AVIF_OUTPUT_PIXELS:
        raise errors.ImageTooLarge("AVIF output is limited to 4096 x 2304 pixels.", ec="0040-00000014")


def flatten(image: Image.Image, color: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """RGB with any transparency composed over ``color``."""
    if has_alpha(image):
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, color)
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image.convert("RGB") if image.mode != "RGB" else image
