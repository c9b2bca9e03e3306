"""``crop`` and ``indexcrop``: keep one region of the image (oss-img-spec §3.2, §3.5)."""

from __future__ import annotations

from ossimg.img.ops import Crop, IndexCrop

from ... import errors
from ..canvas import Canvas
from ..geometry import crop_box, index_slice


def apply_crop(canvas: Canvas, op: Crop) -> None:
    """Crop; a start point outside the image is OSS's BadRequest, a region past the edge is clipped."""
    box = crop_box(canvas.image.size, op.w, op.h, op.x or 0, op.y or 0, op.g or "nw")
    if box is None:
        raise errors.BadRequest("Advance cut's position is out of image.")
    canvas.replace(canvas.image.crop(box))


def apply_indexcrop(canvas: Canvas, op: IndexCrop) -> None:
    """Keep slice ``i``; past the last slice OSS returns the image unchanged."""
    box = index_slice(canvas.image.size, op.x, op.y, op.i or 0)
    if box is not None:
        canvas.replace(canvas.image.crop(box))
