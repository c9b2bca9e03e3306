"""Open headers and decode with shrink-on-load: the only module that reads image files (encode.py
writes them).

Pillow sits behind these few functions so the engine could move to pyvips without touching steps.
HEIC comes from pillow-heif; AVIF is Pillow's own. Hostile bytes end here as OSS's errors: a file
no reader identifies is "not supported" (EC 0040-00000005), one that fails while decoding (cut
short, corrupt data) is "corrupted" with the EC OSS documents for its format (WebP 0040-00000010,
HEIC 0040-00000020, AVIF 0040-00000021; OSS publishes none for the others, so they have none).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, TypeVar

from PIL import Image, ImageFile, ImageSequence, PngImagePlugin
from pillow_heif import register_heif_opener

from ossimg.img.limits import MAX_SOURCE_BYTES, MAX_SOURCE_PIXELS, PIXELS_EC, side_limit

from .. import errors
from . import headers

register_heif_opener()

# Formats Pillow names -> OSS names.
OSS_FORMAT = {
    "JPEG": "jpg",
    "MPO": "jpg",
    "PNG": "png",
    "WEBP": "webp",
    "BMP": "bmp",
    "GIF": "gif",
    "TIFF": "tiff",
    "HEIF": "heic",
    "AVIF": "avif",
}
# Only the readers of formats IMG reads are tried: Pillow's others (EPS runs Ghostscript, …) never
# see a byte. JPEG's reader also opens MPO.
READERS = ("JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF", "HEIF", "AVIF")

CORRUPT_EC = {"webp": "0040-00000010", "heic": "0040-00000020", "avif": "0040-00000021"}
DEFAULT_QUALITY = 85  # OSS's default encoder quality is unpublished (oss-img-spec §7)
# Our limits decide what is too large, from the header and with OSS's codes, before anything is
# decoded; Pillow's own guard would raise DecompressionBombError (no OSS code) or only warn.
Image.MAX_IMAGE_PIXELS = None
# Text chunks a PNG may inflate to (Pillow allows 64 MB); footprint.FIXED_OVERHEAD counts this much.
PngImagePlugin.MAX_TEXT_MEMORY = 8 << 20
# A truncated file is refused as corrupt, never decoded half grey (Pillow's default, stated here
# because the whole process shares the setting).
ImageFile.LOAD_TRUNCATED_IMAGES = False
T = TypeVar("T")

STD_LUMA = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip
# EXIF orientation -> the transpose that undoes it.
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass
class Source:
    """An opened source image: what its header says, and the handle ``decode`` reads pixels from.

    Everything the chain needs later (quality, frames, orientation) is read when it opens, so the
    handle can go as soon as its pixels are decoded and a step replaces them.
    """

    image: Image.Image | None
    format: str
    file_size: int
    size: tuple[int, int]  # the image's size; a GIF's screen grown to its farthest frame
    frames: int = 1
    orientation: int = 1
    quality: int | None = None
    scans: int = 1  # JPEG scans: more than one keeps every DCT coefficient in memory
    components: int = 3
    mode: str = "RGB"  # the mode decoding yields
    decoded: tuple[int, int] = (0, 0)  # the size decoding yields (smaller after ``shrink``)

    def __post_init__(self) -> None:
        if self.decoded == (0, 0):
            self.decoded = self.size

    @property
    def animated(self) -> bool:
        """A GIF with more than one frame."""
        return self.format == "gif" and self.frames > 1

    def opened(self) -> Image.Image:
        """The header handle; only until ``decode`` has taken it."""
        assert self.image is not None, "the source's pixels were already handed to the canvas"
        return self.image


def open_source(fp: BinaryIO, file_size: int) -> Source:
    """Read the header only. Raises BadRequest for non-images, ImageTooLarge past OSS's limits."""
    if file_size > MAX_SOURCE_BYTES:
        raise errors.ImageTooLarge("The image file is larger than 20 MB.", ec="0040-00000001")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # odd headers: the checks below say what matters
            image = Image.open(fp, formats=READERS)
            fmt = OSS_FORMAT.get(image.format or "")
            source = _described(image, fmt, fp, file_size) if fmt else None
    except errors.OssError:
        raise
    except Exception:  # a reader failing on hostile bytes: corrupt if they start as an image does
        fmt = _at_start(fp, sniff)
        raise corrupted(fmt) if fmt else unsupported() from None
    if source is None:
        raise unsupported()
    _check_size(source)
    return source


def unsupported() -> errors.OssError:
    """The error for bytes that are no image format IMG reads."""
    return errors.BadRequest("This image format is not supported.", ec="0040-00000005")


# Magic bytes of the formats IMG reads, for telling a damaged image from something else.
_MAGIC = (
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG", "png"),
    (b"GIF8", "gif"),
    (b"BM", "bmp"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
_BRANDS = {b"avif": "avif", b"avis": "avif", b"heic": "heic", b"heix": "heic", b"mif1": "heic", b"msf1": "heic"}


def sniff(fp: BinaryIO) -> str | None:
    """The OSS format whose signature the file starts with, None when none matches."""
    head = fp.read(16)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":
        return _BRANDS.get(head[8:12])
    return next((fmt for magic, fmt in _MAGIC if head.startswith(magic)), None)


def _described(image: Image.Image, fmt: str, fp: BinaryIO, file_size: int) -> Source:
    source = Source(image, fmt, file_size, image.size, orientation=_orientation(image), mode=image.mode)
    if fmt == "gif":
        layout = _at_start(fp, headers.gif_layout)
        if layout.frames == 0:
            raise corrupted(fmt)
        source.frames, source.size = layout.frames, layout.size
        source.decoded = layout.size
    elif fmt == "jpg":
        source.quality = jpeg_quality(image)
        source.scans = _at_start(fp, headers.jpeg_scans)
        source.components = len(getattr(image, "layer", ())) or 3
    return source


def _at_start(fp: BinaryIO, read: Callable[[BinaryIO], T]) -> T:
    """``read(fp)`` from the file's first byte, leaving the position where the reader had it."""
    position = fp.tell()
    fp.seek(0)
    try:
        return read(fp)
    finally:
        fp.seek(position)


def _check_size(source: Source) -> None:
    width, height = source.size
    side, ec = side_limit(source.format)
    if max(width, height) > side:
        raise errors.ImageTooLarge(f"Image width or height exceeds {side} pixels.", ec=ec)
    if width * height * source.frames > MAX_SOURCE_PIXELS:
        raise errors.ImageTooLarge(f"Image exceeds {MAX_SOURCE_PIXELS} pixels.", ec=PIXELS_EC)


def corrupted(fmt: str) -> errors.OssError:
    """The error for a source of format ``fmt`` that cannot be decoded."""
    return errors.BadRequest(
        f"The {fmt} image is corrupted or truncated and cannot be decoded.", ec=CORRUPT_EC.get(fmt)
    )


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation, 1 when absent or not one of the eight defined values: OSS documents
    nothing for a malformed tag, and ignoring it is what viewers do. A PNG's eXIf chunk counts only
    when it comes before the pixels: Pillow would decode the whole image to look for one after."""
    if image.format == "PNG" and "exif" not in image.info:
        return 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns on each malformed tag it skips
            value = image.getexif().get(0x0112, 1)
    except Exception:  # a corrupt EXIF block is no orientation
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def oriented_size(source: Source, auto_orient: bool = True) -> tuple[int, int]:
    """The size after EXIF orientation, without decoding pixels."""
    width, height = source.size
    return (height, width) if auto_orient and source.orientation >= 5 else (width, height)


def shrink(source: Source, target: tuple[int, int] | None, *, auto_orient: bool = True) -> None:
    """Ask a JPEG to decode at the smallest DCT scale still >= ``target`` (the other formats decode
    whole); ``source.decoded`` says the size decoding will yield. Call before ``decode``, once."""
    image = source.opened()
    if target is not None and source.format == "jpg":
        swap = auto_orient and source.orientation >= 5
        draft = (target[1], target[0]) if swap else target
        image.draft(image.mode if image.mode in ("RGB", "L") else "RGB", draft)
        source.decoded, source.mode = image.size, image.mode


def decode(source: Source, *, auto_orient: bool = True) -> Image.Image:
    """The pixels, oriented per EXIF. The source hands its handle over: it keeps no pixels."""
    image = source.opened()
    source.image = None
    try:
        image.load()
    except Exception:
        raise corrupted(source.format) from None
    if auto_orient and source.orientation in _UPRIGHT:
        return image.transpose(_UPRIGHT[source.orientation])
    return image


def animation(source: Source) -> Iterator[Image.Image]:
    """Every frame of an animated GIF as RGBA with its ``duration``, decoded one at a time as they
    are asked for (never all held at full size). The source hands its handle over. The first frame
    is decoded now, so a GIF that has none is refused here."""
    image = source.opened()
    source.image = None
    frames = _frames(image, source.format)
    first = next(frames, None)
    if first is None:
        raise corrupted(source.format)
    return _chain(first, frames)


def _frames(image: Image.Image, fmt: str) -> Iterator[Image.Image]:
    try:
        for frame in ImageSequence.Iterator(image):
            rgba = frame.convert("RGBA")
            rgba.info["duration"] = int(frame.info.get("duration", 100))
            yield rgba
    except Exception:
        raise corrupted(fmt) from None


def _chain(first: Image.Image, rest: Iterator[Image.Image]) -> Iterator[Image.Image]:
    yield first
    yield from rest


def jpeg_quality(image: Image.Image) -> int | None:
    """Estimate a JPEG's libjpeg quality from its luminance quantization table.

    libjpeg scales the standard table by S = 5000/Q (Q < 50) or 200 - 2Q; averaging the observed
    scale over the 64 entries and inverting that formula recovers Q.
    """
    tables = getattr(image, "quantization", None)
    if not tables or 0 not in tables:
        return None
    luma = sorted(tables[0])
    scale = sum(v * 100 / s for v, s in zip(luma, sorted(STD_LUMA), strict=False)) / len(luma)
    quality = (200 - scale) / 2 if scale <= 100 else 5000 / scale
    estimate: int = round(quality)
    return max(1, min(100, estimate))
