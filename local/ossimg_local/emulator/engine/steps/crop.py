"""``crop`` and ``indexcrop``: keep one region of the image (oss-img-spec §3.2, §3.5)."""

from __future__ import annotations

from ossimg.img.ops import Crop, IndexCrop

from ... import errors
from ..canvas import Canvas
from ..footprint import Footprint, Shape
from ..geometry import crop_box, index_slice

Box = tuple[int, int, int, int]


def apply_crop(canvas: Canvas, op: Crop) -> None:
    """Crop; a start point outside the image is OSS's BadRequest, a region past the edge is clipped."""
    canvas.replace(canvas.image.crop(_crop(canvas.image.size, op)))


def apply_indexcrop(canvas: Canvas, op: IndexCrop) -> None:
    """Keep slice ``i``; past the last slice OSS returns the image unchanged."""
    box = index_slice(canvas.image.size, op.x, op.y, op.i or 0)
    if box is not None:
        canvas.replace(canvas.image.crop(box))


def _crop(size: tuple[int, int], op: Crop) -> Box:
    box = crop_box(size, op.w, op.h, op.x or 0, op.y or 0, op.g or "nw")
    if box is None:
        raise errors.BadRequest("Advance cut's position is out of image.")
    return box


def footprint_crop(shape: Shape, op: Crop) -> Footprint:
    """The input and the region copied out of it."""
    return _kept(shape, _crop(shape.size, op))


def footprint_indexcrop(shape: Shape, op: IndexCrop) -> Footprint:
    """The input and the slice copied out of it (nothing past the last slice)."""
    box = index_slice(shape.size, op.x, op.y, op.i or 0)
    return Footprint(shape, shape.bytes) if box is None else _kept(shape, box)


def _kept(shape: Shape, box: Box) -> Footprint:
    out = shape.still((box[2] - box[0], box[3] - box[1]), shape.mode)
    return Footprint(out, shape.bytes + out.bytes)
