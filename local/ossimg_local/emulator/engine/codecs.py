"""Decode with shrink-on-load, encode per format and quality; the only module that opens files.

Pillow sits behind these few functions so the engine could move to pyvips without touching steps.
HEIC comes from pillow-heif; AVIF is Pillow's own.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from functools import cached_property

from PIL import Image, ImageOps, ImageSequence
from pillow_heif import register_heif_opener

from .. import errors

register_heif_opener()

# Formats Pillow names -> OSS names.
OSS_FORMAT = {
    "JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "BMP": "bmp", "GIF": "gif", "TIFF": "tiff",
    "HEIF": "heic", "AVIF": "avif",
}  # fmt: skip
PIL_FORMAT = {"png": "PNG", "bmp": "BMP", "tiff": "TIFF", "heic": "HEIF", "avif": "AVIF"}

MAX_SOURCE_BYTES = 20 * 1024 * 1024
MAX_SOURCE_PIXELS = 250_000_000
# Per-format decode limits on a side, with the EC OSS answers (oss-img-spec §2).
MAX_SIDE = {"jpg": (30000, "0040-00000019"), "tiff": (16384, "0040-00000018"), "avif": (10000, "0040-00000014")}
MAX_SIDE_OTHER = (30000, "0040-00000009")
MAX_AVIF_OUTPUT_PIXELS = 4096 * 2304
MAX_WEBP_SIDE = 16383
DEFAULT_QUALITY = 85  # OSS's default encoder quality is unpublished (oss-img-spec §7)

# Our own limits (above) decide what is too large; Pillow's bomb guard must not fire first.
Image.MAX_IMAGE_PIXELS = MAX_SOURCE_PIXELS + 1

_STD_LUMA = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip


@dataclass
class Source:
    """A decoded-on-demand source image and what OSS reports about it."""

    image: Image.Image
    format: str
    file_size: int

    @cached_property
    def quality(self) -> int | None:
        """The source's estimated JPEG quality (only JPEGs have one)."""
        return jpeg_quality(self.image) if self.format == "jpg" else None

    @property
    def animated(self) -> bool:
        """A GIF with more than one frame."""
        return self.format == "gif" and getattr(self.image, "n_frames", 1) > 1


def open_source(data: bytes) -> Source:
    """Read the header only; raises BadRequest for non-images, ImageTooLarge past OSS's limits."""
    if len(data) > MAX_SOURCE_BYTES:
        raise errors.ImageTooLarge("The image file is larger than 20 MB.", ec="0040-00000001")
    try:
        with warnings.catch_warnings():
            # The pixel limit below answers with OSS's error; Pillow's warning would only repeat it.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (OSError, SyntaxError, ValueError):
        raise errors.BadRequest("This image format is not supported.", ec="0040-00000005") from None
    fmt = OSS_FORMAT.get(image.format or "")
    if fmt is None:
        raise errors.BadRequest("This image format is not supported.", ec="0040-00000005")
    width, height = image.size
    side, ec = MAX_SIDE.get(fmt, MAX_SIDE_OTHER)
    if max(width, height) > side:
        raise errors.ImageTooLarge(f"Image width or height exceeds {side} pixels.", ec=ec)
    if width * height * getattr(image, "n_frames", 1) > MAX_SOURCE_PIXELS:
        raise errors.ImageTooLarge("Image exceeds 250000000 pixels.", ec="0040-00000012")
    return Source(image, fmt, len(data))


def orientation(source: Source) -> int:
    """The EXIF orientation tag (1 when absent)."""
    return int(source.image.getexif().get(0x0112, 1))


def oriented_size(source: Source, auto_orient: bool = True) -> tuple[int, int]:
    """The size after EXIF orientation, without decoding pixels."""
    width, height = source.image.size
    return (height, width) if auto_orient and orientation(source) in (5, 6, 7, 8) else (width, height)


def decode(source: Source, target: tuple[int, int] | None, *, auto_orient: bool = True) -> Image.Image:
    """Pixels, oriented per EXIF; JPEGs decode directly at the smallest scale >= ``target``."""
    image = source.image
    if target is not None and source.format == "jpg":
        swap = auto_orient and orientation(source) in (5, 6, 7, 8)
        draft = (target[1], target[0]) if swap else target
        image.draft(image.mode if image.mode in ("RGB", "L") else "RGB", draft)
    image.load()
    if not auto_orient:
        return image
    oriented = ImageOps.exif_transpose(image)
    return oriented if oriented is not None else image


def frames(source: Source) -> tuple[list[Image.Image], list[int]]:
    """Every frame of an animated GIF as RGBA, with its duration in milliseconds."""
    images, durations = [], []
    for frame in ImageSequence.Iterator(source.image):
        images.append(frame.convert("RGBA"))
        durations.append(int(frame.info.get("duration", 100)))
    return images, durations


def jpeg_quality(image: Image.Image) -> int | None:
    """Estimate a JPEG's libjpeg quality from its luminance quantization table.

    libjpeg scales the standard table by S = 5000/Q (Q < 50) or 200 - 2Q; averaging the observed
    scale over the 64 entries and inverting that formula recovers Q.
    """
    tables = getattr(image, "quantization", None)
    if not tables or 0 not in tables:
        return None
    luma = sorted(tables[0])
    scale = sum(v * 100 / s for v, s in zip(luma, sorted(_STD_LUMA), strict=False)) / len(luma)
    quality = (200 - scale) / 2 if scale <= 100 else 5000 / scale
    estimate: int = round(quality)
    return max(1, min(100, estimate))


def encode(
    image: Image.Image, fmt: str, *, quality: int, progressive: bool = False,
    frames: list[Image.Image] | None = None, durations: list[int] | None = None,
) -> bytes:  # fmt: skip
    """Bytes of ``image`` in OSS format ``fmt``; JPEG flattens transparency onto white (§3.9)."""
    check_output(image.size, fmt)
    out = io.BytesIO()
    if fmt == "jpg":
        flat = flatten(image) if image.mode != "L" else image
        flat.save(out, "JPEG", quality=quality, progressive=progressive, optimize=progressive)
    elif fmt == "webp":
        image.save(out, "WEBP", quality=quality, method=4)
    elif fmt == "gif" and frames:
        frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0, disposal=2)
    elif fmt == "gif":
        image.save(out, "GIF")
    elif fmt in ("heic", "avif"):
        image.save(out, PIL_FORMAT[fmt], quality=quality)
    else:
        image.save(out, PIL_FORMAT[fmt])
    return out.getvalue()


def check_output(size: tuple[int, int], fmt: str) -> None:
    """OSS's per-format output limits (oss-img-spec §2). Raises ImageTooLarge."""
    if fmt == "webp" and max(size) > MAX_WEBP_SIDE:
        raise errors.ImageTooLarge("Maximum width and height allowed is 16383 pixels for converting webp.")
    if fmt == "avif" and size[0] * size[1] > MAX_AVIF_OUTPUT_PIXELS:
        raise errors.ImageTooLarge("AVIF output is limited to 4096 x 2304 pixels.", ec="0040-00000014")


def flatten(image: Image.Image, color: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """RGB with any transparency composed over ``color``."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, color)
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image.convert("RGB") if image.mode != "RGB" else image
