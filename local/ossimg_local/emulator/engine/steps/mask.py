"""``circle`` and ``rounded-corners``: transparent outside the shape (white once encoded as JPEG)."""

from __future__ import annotations

from PIL import Image, ImageDraw

from ossimg.img.ops import Circle, RoundedCorners

from ... import errors
from ..canvas import Canvas
from ..geometry import circle_box

# Drawn at this multiple and scaled down, so the edge is anti-aliased.
SUPERSAMPLE = 4


def apply_circle(canvas: Canvas, op: Circle) -> None:
    """The centred circle of radius ``r`` (capped at half the shorter side), in a (2r+1)² image."""
    _, box = circle_box(canvas.image.size, op.r)
    square = canvas.with_alpha().crop(box)
    side = square.size[0]
    mask = _mask(square.size, lambda draw, s: draw.ellipse((0, 0, s * side - 1, s * side - 1), fill=255))
    canvas.replace(_apply(square, mask))


def apply_rounded_corners(canvas: Canvas, op: RoundedCorners) -> None:
    """Round the corners with radius ``r`` (capped at half the shorter side); not for GIF."""
    if canvas.source.format == "gif":
        raise errors.BadRequest("rounded-corners is not supported for GIF images.")
    image = canvas.with_alpha()
    width, height = image.size
    radius = min(op.r, min(width, height) // 2)
    mask = _mask(image.size, lambda draw, s: draw.rounded_rectangle(
        (0, 0, s * width - 1, s * height - 1), radius=s * radius, fill=255,
    ))  # fmt: skip
    canvas.replace(_apply(image, mask))


def _mask(size: tuple[int, int], draw_shape: object) -> Image.Image:
    big = Image.new("L", (size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE), 0)
    assert callable(draw_shape)
    draw_shape(ImageDraw.Draw(big), SUPERSAMPLE)
    return big.resize(size, Image.Resampling.LANCZOS)


def _apply(image: Image.Image, mask: Image.Image) -> Image.Image:
    alpha = Image.new("L", image.size, 0)
    alpha.paste(image.getchannel("A"), mask=mask)
    image.putalpha(alpha)
    return image
