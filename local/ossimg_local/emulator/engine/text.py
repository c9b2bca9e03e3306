"""A text watermark, rendered only where it lands on the image.

OSS allows 1000-pixel text of up to 64 base64 characters (48 ASCII letters), rotated by any angle:
drawn whole and then rotated, that is a 48000x1000 strip turned into a 35000-pixel square (several
GB) even when the image is one pixel. So the text's size, and its rotated size, are computed from
the font's metrics alone, and only a window of it is ever drawn: the characters that reach the
window, at the positions they have in the whole text, mapped through the same affine transform
Pillow's ``rotate(expand=True)`` applies. The pixels equal a crop of the whole text rendered and
rotated (up to the kerning between a drawn character and an omitted neighbour).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

from PIL import Image, ImageDraw

from . import fonts
from .footprint import narrow, wide
from .geometry import Affine, rotation

Box = tuple[int, int, int, int]
DEFAULT_SIZE = 40
# Pixels of flat text around a window's preimage that bicubic sampling reads.
SUPPORT = 3


@dataclass
class TextMark:
    """The text of one watermark: its flat (unrotated) size, its block size once rotated, and
    windows of that block on demand."""

    text: str
    font_name: str = "wqy-zenhei"
    size: int = DEFAULT_SIZE
    color: str = "000000"
    shadow: int = 0  # shadow opacity in percent, 0 for none
    rotate: int = 0  # degrees clockwise
    font: fonts.Font = field(init=False)
    bbox: tuple[int, int, int, int] = field(init=False)
    offset: int = field(init=False)  # the shadow's offset
    flat: tuple[int, int] = field(init=False)  # the text's size, unrotated
    block: tuple[int, int] = field(init=False)  # its size once rotated
    matrix: Affine | None = field(init=False)  # block pixel -> flat pixel, None when not rotated

    def __post_init__(self) -> None:
        self.font = fonts.load(self.font_name, self.size)
        left, top, right, bottom = (int(v) for v in self.font.getbbox(self.text))
        self.bbox = (left, top, right, bottom)
        self.offset = max(1, self.size // 20) if self.shadow else 0
        self.flat = (right - left + self.offset, bottom - top + self.offset)
        degrees = self.rotate % 360
        self.block, self.matrix = rotation(self.flat, degrees) if degrees else (self.flat, None)

    @cached_property
    def pens(self) -> list[float]:
        """Where each character starts along the line (the advance of the text before it)."""
        return [self.font.getlength(self.text[:i]) for i in range(len(self.text) + 1)]

    def render(self, window: Box) -> Image.Image:
        """RGBA pixels of ``window`` (in block coordinates) of the text block."""
        width, height = window[2] - window[0], window[3] - window[1]
        piece = self.piece(window)
        if piece is None:
            return Image.new("RGBA", (width, height), (0, 0, 0, 0))
        flat = self._draw(piece)
        if self.matrix is None:
            out = Image.new("RGBA", (width, height), (0, 0, 0, 0))
            out.paste(flat, (piece[0] - window[0], piece[1] - window[1]))
            return out
        a, b, c, d, e, f = self.matrix
        x0, y0 = window[0], window[1]
        data = (a, b, c + a * x0 + b * y0 - piece[0], d, e, f + d * x0 + e * y0 - piece[1])
        # A quarter turn moves whole pixels (as Pillow's transposes do); other angles interpolate.
        exact = self.rotate % 90 == 0
        resample = Image.Resampling.NEAREST if exact else Image.Resampling.BICUBIC
        return flat.transform((width, height), Image.Transform.AFFINE, data, resample)

    def piece(self, window: Box) -> Box | None:
        """The part of the flat text that ``window`` of the block shows, None when none."""
        if self.matrix is None:
            box = (max(0, window[0]), max(0, window[1]), min(self.flat[0], window[2]), min(self.flat[1], window[3]))
        else:
            box = self._preimage(window, self.matrix)
        return box if box[0] < box[2] and box[1] < box[3] else None

    def _preimage(self, window: Box, matrix: Affine) -> Box:
        a, b, c, d, e, f = matrix
        corners = [(x, y) for x in (window[0], window[2]) for y in (window[1], window[3])]
        xs = [a * x + b * y + c for x, y in corners]
        ys = [d * x + e * y + f for x, y in corners]
        return (
            max(0, math.floor(min(xs)) - SUPPORT),
            max(0, math.floor(min(ys)) - SUPPORT),
            min(self.flat[0], math.ceil(max(xs)) + SUPPORT),
            min(self.flat[1], math.ceil(max(ys)) + SUPPORT),
        )

    def _draw(self, piece: Box) -> Image.Image:
        """The flat text inside ``piece``, drawn from the characters that reach it."""
        left, top = self.bbox[0], self.bbox[1]
        first, last = self._reaching(piece[0] + left - self.offset, piece[2] + left)
        image = Image.new("RGBA", (piece[2] - piece[0], piece[3] - piece[1]), (0, 0, 0, 0))
        if first >= last:
            return image
        draw = ImageDraw.Draw(image)
        x, y = self.pens[first] - left - piece[0], -top - piece[1]
        part = self.text[first:last]
        if self.shadow:
            shade = (0, 0, 0, self.shadow * 255 // 100)
            draw.text((x + self.offset, y + self.offset), part, font=self.font, fill=shade)
        draw.text((x, y), part, font=self.font, fill="#" + self.color)
        return image

    def _reaching(self, start: float, end: float) -> tuple[int, int]:
        """Characters whose ink may fall in [start, end) of the line: a glyph reaches at most one
        em beyond its advance on either side."""
        pens, em = self.pens, self.size
        first = next((i for i in range(len(self.text)) if pens[i + 1] + em > start), len(self.text))
        last = next((i for i in range(len(self.text), first, -1) if pens[i - 1] - em < end), first)
        return first, last

    def cost(self, window: Box) -> int:
        """Bytes rendering ``window`` holds at once: the flat piece, the glyph masks Pillow draws
        (the characters reached, one em more each side, for the text and its shadow), and for a
        rotation the premultiplied copies and the window."""
        piece = self.piece(window)
        if piece is None:
            return wide((window[2] - window[0], window[3] - window[1]))
        piece_size = (piece[2] - piece[0], piece[3] - piece[1])
        masks = 2 * narrow((piece_size[0] + 4 * self.size, self.flat[1] + self.size))
        out = wide((window[2] - window[0], window[3] - window[1]))
        copies = 2 * wide(piece_size) + 2 * out if self.matrix is not None else out
        return wide(piece_size) + masks + copies
