"""``rotate``: clockwise, on a canvas grown to hold the result (oss-img-spec §3.6)."""

from __future__ import annotations

from PIL import Image

from ossimg.img.ops import Rotate

from ... import errors
from ..canvas import Canvas
from ..footprint import Footprint, Shape, wide
from ..geometry import rotation

MAX_ROTATE_SIDE = 4096
TRANSPOSES = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}


def apply(canvas: Canvas, op: Rotate) -> None:
    """Rotate; 90/270 swap the sides. Corners uncovered by other angles are white, or transparent
    when the image has alpha (the colour OSS uses is unverified). An animation becomes static."""
    _check(canvas.image.size)
    degrees = op.value % 360
    if degrees == 0:
        return
    image = canvas.image
    if degrees in TRANSPOSES:
        canvas.replace(image.transpose(TRANSPOSES[degrees]))
        return
    alpha = image.mode in ("RGBA", "LA") or canvas.source.format in ("png", "gif")
    image = image.convert("RGBA" if alpha else "RGB")
    fill = (255, 255, 255, 0) if alpha else (255, 255, 255)
    canvas.replace(image.rotate(-degrees, Image.Resampling.BICUBIC, expand=True, fillcolor=fill))


def _check(size: tuple[int, int]) -> None:
    if max(size) > MAX_ROTATE_SIDE:
        raise errors.BadRequest("Picture exceed the maximum allowable rotation range.")


def footprint(shape: Shape, op: Rotate) -> Footprint:
    """The input and the rotated copy; other angles also convert, and Pillow rotates alpha
    premultiplied (a copy each way)."""
    _check(shape.size)
    degrees = op.value % 360
    if degrees == 0:
        return Footprint(shape, shape.bytes)
    if degrees in TRANSPOSES:
        out = shape.still(shape.size if degrees == 180 else (shape.size[1], shape.size[0]), shape.mode)
        return Footprint(out, shape.bytes + out.bytes)
    size, _ = rotation(shape.size, degrees)
    return Footprint(shape.still(size), shape.bytes + 2 * wide(shape.size) + 2 * wide(size))
