"""``watermark``: text, an image from the same bucket, or both, placed or tiled (oss-img-spec §3.14).

The watermark block (text and image side by side) is never drawn whole: only the window of it
that lands on the image, which is drawn onto the image in place. A block entirely off the image
leaves it unchanged. Tiling (``fill_1``) draws that window once and repeats it by doubling a strip
of tiles, so a one-pixel watermark on a large image costs a few dozen pastes, not millions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from PIL import Image

from ossimg.img.ops import Watermark

from ..canvas import Canvas
from ..footprint import Footprint, Shape, narrow, wide
from ..geometry import place
from ..text import TextMark
from . import mark

Box = tuple[int, int, int, int]
# Rows of tiles are stacked into bands of at least this many rows before being drawn.
BAND_ROWS = 64


class Picture(Protocol):
    """The watermark's image as the layout sees it: a size and crops (planning passes a size only)."""

    @property
    def size(self) -> tuple[int, int]: ...

    def crop(self, box: Box, /) -> Image.Image: ...


@dataclass
class Part:
    """One part of the block (its text or its image) at its place in the block."""

    size: tuple[int, int]
    render: Callable[[Box], Image.Image]
    cost: Callable[[Box], int]
    offset: tuple[int, int] = (0, 0)


@dataclass
class Block:
    """The watermark's parts laid out side by side; windows of it rendered on demand."""

    size: tuple[int, int]
    parts: list[Part]

    def render(self, window: Box) -> Image.Image:
        """RGBA pixels of ``window`` (block coordinates)."""
        if len(self.parts) == 1:
            return self.parts[0].render(window)
        out = Image.new("RGBA", (window[2] - window[0], window[3] - window[1]), (0, 0, 0, 0))
        for part, inside in self._inside(window):
            x, y = part.offset
            piece = part.render((inside[0] - x, inside[1] - y, inside[2] - x, inside[3] - y))
            out.alpha_composite(piece, (inside[0] - window[0], inside[1] - window[1]))
        return out

    def cost(self, window: Box) -> int:
        """Bytes rendering ``window`` holds at once."""
        if len(self.parts) == 1:
            return self.parts[0].cost(window)
        out = wide((window[2] - window[0], window[3] - window[1]))
        return 3 * out + sum(part.cost(inside) for part, inside in self._inside(window))

    def _inside(self, window: Box) -> list[tuple[Part, Box]]:
        found = []
        for part in self.parts:
            x, y = part.offset
            box = (
                max(window[0], x),
                max(window[1], y),
                min(window[2], x + part.size[0]),
                min(window[3], y + part.size[1]),
            )
            if box[0] < box[2] and box[1] < box[3]:
                found.append((part, box))
        return found


def layout(op: Watermark, image: Picture | None, text: TextMark | None) -> Block:
    """The block of ``op``: image first unless ``order_1``, ``interval`` apart, aligned by ``align``
    (0 top, 1 centre, 2 bottom, the default)."""
    parts = []
    if image is not None:
        picture = image
        parts.append(Part(picture.size, lambda box: picture.crop(box), lambda box: wide(_size(box))))
    if text is not None:
        parts.append(Part(text.block, text.render, text.cost))
    if len(parts) == 1:
        return Block(parts[0].size, parts)
    if op.order == 1:
        parts.reverse()
    gap = op.interval or 0
    width, height = parts[0].size[0] + gap + parts[1].size[0], max(p.size[1] for p in parts)
    align = 2 if op.align is None else op.align
    left = 0
    for part in parts:
        part.offset = (left, {0: 0, 1: (height - part.size[1]) // 2}.get(align, height - part.size[1]))
        left += part.size[0] + gap
    return Block((width, height), parts)


def text_of(op: Watermark) -> TextMark | None:
    """The text part of ``op``, measured (nothing is drawn yet)."""
    if op.text is None:
        return None
    return TextMark(
        op.text, op.type or "wqy-zenhei", op.size or 40, op.color or "000000", op.shadow or 0, op.rotate or 0
    )


def where(op: Watermark, image: tuple[int, int], block: tuple[int, int]) -> tuple[Box, tuple[int, int]] | None:
    """The window of the block that shows, and where its top-left lands; None when nothing shows.
    Tiling starts at the top-left corner, so the window is the block's part the image can hold."""
    if op.fill:
        return (0, 0, min(block[0], image[0]), min(block[1], image[1])), (0, 0)
    margin = (10 if op.x is None else op.x, 10 if op.y is None else op.y)
    left, top = place(image, block, op.g or "se", margin[0], margin[1], op.voffset or 0)
    window = (max(0, -left), max(0, -top), min(block[0], image[0] - left), min(block[1], image[1] - top))
    if window[0] >= window[2] or window[1] >= window[3]:
        return None
    return window, (max(left, 0), max(top, 0))


def apply(canvas: Canvas, op: Watermark) -> None:
    """Draw one watermark onto the canvas, in place; the image keeps its size."""
    picture = mark.image(canvas, op)
    block = layout(op, picture, text_of(op))
    base = _drawable(canvas)
    found = where(op, base.size, block.size)
    if found is None:
        return
    window, dest = found
    tile = block.render(window)
    if op.t is not None and op.t < 100:
        opacity = op.t
        tile.putalpha(tile.getchannel("A").point(lambda a: a * opacity // 100))
    if op.fill:
        _tile(base, tile, (block.size[0] + (op.padx or 0), block.size[1] + (op.pady or 0)))
    else:
        _draw(base, tile, dest)


def _drawable(canvas: Canvas) -> Image.Image:
    """The canvas as RGB or RGBA, drawn on in place (static from here on)."""
    image = canvas.image
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB")
    canvas.replace(image)
    return image


def _draw(base: Image.Image, overlay: Image.Image, dest: tuple[int, int]) -> None:
    """Compose ``overlay`` (RGBA) onto ``base`` at ``dest``, clipped to the base, in place."""
    width = min(overlay.width, base.width - dest[0])
    height = min(overlay.height, base.height - dest[1])
    if width <= 0 or height <= 0:
        return
    if (width, height) != overlay.size:
        overlay = overlay.crop((0, 0, width, height))
    if base.mode == "RGBA":
        base.alpha_composite(overlay, dest)
    else:  # over opaque pixels, pasting through the alpha is the same blend
        base.paste(overlay.convert("RGB"), dest, mask=overlay.getchannel("A"))


def _tile(base: Image.Image, tile: Image.Image, step: tuple[int, int]) -> None:
    """Repeat ``tile`` every ``step`` from the top-left corner: one cell, doubled along a row,
    doubled down a band, the band drawn down the image."""
    width, height = base.size
    cell = (min(step[0], width), min(step[1], height))
    row = Image.new("RGBA", (width, cell[1]), (0, 0, 0, 0))
    row.paste(tile.crop((0, 0, min(tile.width, cell[0]), min(tile.height, cell[1]))), (0, 0))
    _double(row, cell[0], horizontal=True)
    repeats = max(1, min(-(-BAND_ROWS // cell[1]), -(-height // cell[1])))
    band = Image.new("RGBA", (width, cell[1] * repeats), (0, 0, 0, 0))
    band.paste(row, (0, 0))
    _double(band, cell[1], horizontal=False)
    for top in range(0, height, band.height):
        _draw(base, band, (0, top))


def _double(image: Image.Image, filled: int, *, horizontal: bool) -> None:
    """Fill ``image`` by copying its first ``filled`` columns (or rows) onto the rest, doubling."""
    length = image.width if horizontal else image.height
    while filled < length:
        box = (0, 0, filled, image.height) if horizontal else (0, 0, image.width, filled)
        image.paste(image.crop(box), (filled, 0) if horizontal else (0, filled))
        filled *= 2


def _size(box: Box) -> tuple[int, int]:
    return box[2] - box[0], box[3] - box[1]


def footprint(shape: Shape, op: Watermark, picture: Shape | None, picture_peak: int) -> Footprint:
    """The image (and its copy when it is neither RGB nor RGBA), the watermark image while it is
    prepared (``picture_peak``) and after, the window rendered with its opacity and alpha copies,
    and for tiling a row and a band of tiles."""
    mode = shape.mode if shape.mode in ("RGB", "RGBA") else "RGBA"
    held = shape.bytes + (0 if mode == shape.mode else wide(shape.size))
    out = shape.still(mode=mode)
    block = layout(op, _Planned(picture.size) if picture else None, text_of(op))
    found = where(op, shape.size, block.size)
    if found is None:
        return Footprint(out, held + picture_peak)
    window, _ = found
    drawn = block.cost(window) + 2 * wide(_size(window)) + narrow(_size(window))
    if op.fill:
        rows = min(block.size[1] + (op.pady or 0), shape.size[1])
        drawn += 3 * wide((shape.size[0], rows)) + 3 * wide((shape.size[0], BAND_ROWS + rows))
    picture_held = picture.bytes if picture else 0
    return Footprint(out, held + max(picture_peak, picture_held + drawn))


@dataclass(frozen=True)
class _Planned:
    """The watermark image while planning: a size, no pixels."""

    size: tuple[int, int]

    def crop(self, _box: Box, /) -> Image.Image:
        raise AssertionError("planning measures windows, it never renders them")
