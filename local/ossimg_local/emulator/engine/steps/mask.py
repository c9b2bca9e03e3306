"""``circle`` and ``rounded-corners``: transparent outside the shape (white once encoded as JPEG)."""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image, ImageChops, ImageDraw

from ossimg.img.ops import Circle, RoundedCorners

from ... import errors
from ..canvas import Canvas
from ..footprint import Footprint, Shape, area, bytes_per_pixel, narrow, wide
from ..geometry import circle_box

# The shape is drawn at this multiple and averaged down, so its edge is anti-aliased…
SUPERSAMPLE = 4
# …a band of this many rows at a time: the supersampled mask of an 8193-pixel circle would be
# 32772 pixels square (1 GB) drawn at once.
BAND = 64

DrawShape = Callable[[ImageDraw.ImageDraw, int, int], None]


def apply_circle(canvas: Canvas, op: Circle) -> None:
    """The centred circle of radius ``r`` (capped at half the shorter side), in a (2r+1)² image."""
    _, box = circle_box(canvas.image.size, op.r)
    square = canvas.image.crop(box)  # crop first: only the square is ever converted
    square = square if square.mode == "RGBA" else square.convert("RGBA")
    side = square.size[0]

    def circle(draw: ImageDraw.ImageDraw, scale: int, top: int) -> None:
        draw.ellipse((0, -top, scale * side - 1, scale * side - 1 - top), fill=255)

    canvas.replace(_apply(square, _mask(square.size, circle)))


def apply_rounded_corners(canvas: Canvas, op: RoundedCorners) -> None:
    """Round the corners with radius ``r`` (capped at half the shorter side); not for GIF."""
    _refuse_gif(canvas.source.format == "gif")
    image = canvas.with_alpha()
    radius = min(op.r, min(image.size) // 2)
    canvas.replace(_apply(image, _rounded(image.size, radius)) if radius else image)


def _rounded(size: tuple[int, int], radius: int) -> Image.Image:
    """The mask of a rounded rectangle: opaque, but for the four corners, each a quarter circle of
    ``radius`` (the top-left one drawn supersampled, the others its mirror images)."""

    def quarter(draw: ImageDraw.ImageDraw, scale: int, top: int) -> None:
        draw.ellipse((0, -top, 2 * scale * radius - 1, 2 * scale * radius - 1 - top), fill=255)

    corner = _mask((radius, radius), quarter)
    mask = Image.new("L", size, 255)
    width, height = size
    mask.paste(corner, (0, 0))
    mask.paste(corner.transpose(Image.Transpose.FLIP_LEFT_RIGHT), (width - radius, 0))
    mask.paste(corner.transpose(Image.Transpose.FLIP_TOP_BOTTOM), (0, height - radius))
    mask.paste(corner.transpose(Image.Transpose.ROTATE_180), (width - radius, height - radius))
    return mask


def _mask(size: tuple[int, int], draw_shape: DrawShape) -> Image.Image:
    """An L mask of ``size``: the shape drawn supersampled one band at a time, each band averaged
    down on its own (a box average never reaches across a band's edge, so the bands join exactly)."""
    width, height = size
    mask = Image.new("L", size, 0)
    for top in range(0, height, BAND):
        rows = min(BAND, height - top)
        band = Image.new("L", (width * SUPERSAMPLE, rows * SUPERSAMPLE), 0)
        draw_shape(ImageDraw.Draw(band), SUPERSAMPLE, top * SUPERSAMPLE)
        mask.paste(band.reduce(SUPERSAMPLE), (0, top))
    return mask


def _apply(image: Image.Image, mask: Image.Image) -> Image.Image:
    image.putalpha(ImageChops.multiply(image.getchannel("A"), mask))
    return image


def _band(width: int) -> int:
    """One supersampled band and its reduction."""
    return width * SUPERSAMPLE * BAND * SUPERSAMPLE + width * BAND


def footprint_circle(shape: Shape, op: Circle) -> Footprint:
    """The input, the square cut from it and its RGBA copy, the mask, the alpha channels."""
    _, box = circle_box(shape.size, op.r)
    side = (box[2] - box[0], box[3] - box[1])
    cut = area(side) * bytes_per_pixel(shape.mode)
    peak = shape.bytes + cut + wide(side) + 3 * narrow(side) + _band(side[0])
    return Footprint(shape.still(side), peak)


def _refuse_gif(gif: bool) -> None:
    if gif:
        raise errors.BadRequest("rounded-corners is not supported for GIF images.")


def footprint_rounded_corners(shape: Shape, op: RoundedCorners, *, gif: bool) -> Footprint:
    """The input, its RGBA copy (none when it is RGBA), the mask, the alpha channels, a corner and
    its mirror image."""
    _refuse_gif(gif)
    radius = min(op.r, min(shape.size) // 2)
    converted = 0 if shape.mode == "RGBA" else wide(shape.size)
    peak = shape.bytes + converted + 3 * narrow(shape.size) + 2 * radius * radius + _band(radius)
    return Footprint(shape.still(), peak)
