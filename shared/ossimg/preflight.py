"""Checks before any IMG call: what OSS IMG would refuse is skipped with a reason, for free.

OSS IMG reads JPG, PNG, BMP, GIF, WebP, TIFF, HEIC and AVIF up to 20 MB, 250 megapixels and a side
that depends on the format (``img/limits.py``, which the local emulator enforces too). The event
tells the size and, when the uploader declared one, the content type. The first bytes of the object
(one small ranged GET, no IMG call) tell what it really is: OSS stores ``application/octet-stream``
for an upload that sent no type, whatever the key, so a JPEG stored that way is processed and a
text file named ``x.jpg`` is not. The key's suffix decides only when those bytes cannot be read.
"""

from __future__ import annotations

from collections.abc import Callable

from .events import ObjectEvent
from .imagesize import HEAD_BYTES, identify
from .img.formats import READ_FORMATS, READABLE_SUFFIXES
from .img.limits import MAX_SOURCE_BYTES, MAX_SOURCE_PIXELS, side_limit


def static_reason(record: ObjectEvent) -> str | None:
    """Why the event alone shows the object cannot be processed, or None."""
    if record.size is not None and record.size > MAX_SOURCE_BYTES:
        return f"the object is {record.size} bytes; OSS IMG reads at most {MAX_SOURCE_BYTES} (20 MB)"
    # A generic type (octet-stream, none) arrives as None from the event parser: it says nothing.
    if record.content_type and not record.content_type.lower().startswith("image/"):
        return f"the object's content type {record.content_type} is not an image"
    return None


def content_reason(read_head: Callable[[int], bytes]) -> str | None:
    """Why the object's first bytes show OSS IMG cannot process it, or None."""
    header = identify(read_head(HEAD_BYTES))
    if header is None:
        return f"the object's first bytes are not an image OSS IMG reads ({READ_FORMATS})"
    if header.size is None:
        return None  # a format whose size sits further in (or HEIC/AVIF): OSS IMG decides
    width, height = header.size
    side = side_limit(header.format).pixels
    if max(width, height) > side:
        return f"the {header.format} image is {width}x{height}; OSS IMG reads at most {side} pixels a side"
    if width * height > MAX_SOURCE_PIXELS:
        return f"the image is {width}x{height}; OSS IMG reads at most {MAX_SOURCE_PIXELS} pixels"
    return None


def suffix_reason(key: str) -> str | None:
    """When the object's bytes could not be read: the key's suffix, if it names no format IMG reads."""
    name = key.rsplit("/", 1)[-1]
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix and suffix not in READABLE_SUFFIXES:
        return f"the key's suffix .{suffix} is not an image format OSS IMG reads, and its bytes could not be read"
    return None
