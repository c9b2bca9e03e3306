"""A watermark's image: an object of the source's bucket, optionally with its own process
(``logo.png?x-oss-process=image/resize,P_20``; oss-img-spec §3.14).

It is opened (its header read) while the request is planned, so its size counts in the request's
memory before any pixel moves; the pixels are decoded when the watermark is drawn.
"""

from __future__ import annotations

import math

from PIL import Image

from ossimg.img.ops import Resize, Watermark

from ... import errors
from .. import codecs
from ..canvas import Canvas, Fetch
from ..footprint import Footprint, Shape, area, wide
from ..geometry import round_half_up
from .resize import REDUCING_GAP

WATERMARK_FORMATS = ("jpg", "png", "bmp", "webp", "tiff")


def open_mark(fetch: Fetch | None, key: str) -> codecs.Source:
    """The header of watermark image ``key``. Raises InvalidArgument when it is missing or is not
    a format OSS stamps."""
    if fetch is None:
        raise errors.InvalidArgument("An image watermark needs the source's bucket to read it from.")
    try:
        fp, size = fetch(key)
    except errors.NoSuchKey:
        raise errors.InvalidArgument(
            f"The watermark image {key} does not exist in this bucket.", ec="0040-00000265"
        ) from None
    source = codecs.open_source(fp, size)
    if source.format not in WATERMARK_FORMATS:
        raise errors.InvalidArgument(f"The watermark image {key} must be JPG, PNG, BMP, WebP or TIFF.")
    return source


def image(canvas: Canvas, op: Watermark) -> Image.Image | None:
    """The watermark image of ``op`` as RGBA, processed; None for a text watermark."""
    if op.image is None:
        return None
    source = canvas.marks[id(op)]
    picture = Canvas(codecs.decode(source), source, source.format, fetch=canvas.fetch, run_step=canvas.run_step)
    for nested in op.image_process:
        if isinstance(nested, Resize) and nested.P is not None:
            picture.replace(
                picture.with_alpha().resize(
                    percent_size(picture.image.size, canvas.image.size, nested.P),
                    Image.Resampling.LANCZOS,
                    reducing_gap=REDUCING_GAP,
                )
            )
        else:
            assert picture.run_step is not None, "the pipeline hands every canvas its step runner"
            picture.run_step(picture, nested)
    return picture.with_alpha()


def percent_size(size: tuple[int, int], main: tuple[int, int], percent: int) -> tuple[int, int]:
    """``P``: the watermark's size as a percentage of the main image's, aspect kept."""
    k = min(main[0] * percent / 100 / size[0], main[1] * percent / 100 / size[1])
    return round_half_up(size[0] * k), round_half_up(size[1] * k)


def footprint_percent(shape: Shape, main: tuple[int, int], percent: int) -> Footprint:
    """``P`` on a watermark image: its RGBA copy, Pillow's premultiplied copies, the reduced image,
    the result."""
    size = percent_size(shape.size, main, percent)
    reduced = (math.ceil(shape.size[0] / max(1, int(shape.size[0] / size[0] / REDUCING_GAP))), shape.size[1])
    peak = shape.bytes + 2 * wide(shape.size) + wide(reduced) + 3 * area(size) * 4
    return Footprint(shape.still(size), peak)
