"""Checks before any IMG call: what OSS IMG would refuse is skipped with a reason, for free.

OSS IMG reads JPG, PNG, BMP, GIF, WebP, TIFF, HEIC and AVIF up to 20 MB, 30,000 pixels a side and
250 megapixels (oss-img-spec §2). Size and type come from the event; the pixel count from the first
bytes of the object (one small ranged GET, no IMG call).
"""

from __future__ import annotations

from collections.abc import Callable

from .events import ObjectEvent
from .imagesize import HEAD_BYTES, dimensions

MAX_BYTES = 20 * 1024 * 1024
MAX_SIDE = 30000
MAX_PIXELS = 250_000_000
IMAGE_SUFFIXES = frozenset({"jpg", "jpeg", "png", "bmp", "gif", "webp", "tif", "tiff", "heic", "heif", "avif"})


def static_reason(record: ObjectEvent) -> str | None:
    """Why the event alone shows the object cannot be processed, or None."""
    if record.size is not None and record.size > MAX_BYTES:
        return f"the object is {record.size} bytes; OSS IMG reads at most {MAX_BYTES} (20 MB)"
    if record.content_type and not record.content_type.lower().startswith("image/"):
        return f"the object's content type {record.content_type} is not an image"
    name = record.key.rsplit("/", 1)[-1]
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not record.content_type and suffix and suffix not in IMAGE_SUFFIXES:
        return f"the key's suffix .{suffix} is not an image format OSS IMG reads"
    return None


def pixel_reason(read_head: Callable[[int], bytes]) -> str | None:
    """Why the image's header shows it is beyond OSS's pixel limits, or None (also when unknown)."""
    size = dimensions(read_head(HEAD_BYTES))
    if size is None:
        return None
    width, height = size
    if max(width, height) > MAX_SIDE:
        return f"the image is {width}x{height}; OSS IMG reads at most {MAX_SIDE} pixels a side"
    if width * height > MAX_PIXELS:
        return f"the image is {width}x{height}; OSS IMG reads at most {MAX_PIXELS} pixels"
    return None
