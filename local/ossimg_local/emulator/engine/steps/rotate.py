"""``rotate``: clockwise, on a canvas grown to hold the result (oss-img-spec §3.6)."""

from __future__ import annotations

from PIL import Image

from ossimg.img.ops import Rotate

from ... import errors
from ..canvas import Canvas

MAX_ROTATE_SIDE = 4096


def apply(canvas: Canvas, op: Rotate) -> None:
    """Rotate; 90/270 swap the sides. Corners uncovered by other angles are white, or transparent
    when the image has alpha (the colour OSS uses is unverified). An animation becomes static."""
    width, height = canvas.image.size
    if width > MAX_ROTATE_SIDE or height > MAX_ROTATE_SIDE:
        raise errors.BadRequest("Picture exceed the maximum allowable rotation range.")
    degrees = op.value % 360
    if degrees == 0:
        return
    image = canvas.image
    transposes = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}
    if degrees in transposes:
        canvas.replace(image.transpose(transposes[degrees]))
        return
    alpha = image.mode in ("RGBA", "LA") or canvas.source.format in ("png", "gif")
    image = image.convert("RGBA" if alpha else "RGB")
    fill = (255, 255, 255, 0) if alpha else (255, 255, 255)
    canvas.replace(image.rotate(-degrees, Image.Resampling.BICUBIC, expand=True, fillcolor=fill))
