"""OSS resize arithmetic, pure: from a source size and resize parameters to the sizes to produce.

Rules (oss-img-spec §3.1): a box from w/h (one side alone makes fill/pad/fixed use a square box and
lfit/mfit scale proportionally), else from l/s, else the percentage p; then the mode: lfit fits
inside, mfit covers, fill covers then centre-crops, pad fits then centre-pads, fixed stretches.
Sizes round half up ("四舍五入"). With limit_1 (the default) a result that would enlarge the image
returns the source size unchanged. Unverified details, chosen as the spec recommends: p honours
limit like every other form; fill/pad centre offsets round down.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

MAX_OUTPUT_SIDE = 16384
MAX_OUTPUT_PIXELS = 4096 * 4096


@dataclass(frozen=True)
class ResizePlan:
    """Scale the image to ``scaled``; then crop (fill) or pad (pad) to ``final`` at ``offset``."""

    source: tuple[int, int]
    scaled: tuple[int, int]
    final: tuple[int, int]
    offset: tuple[int, int] = (0, 0)
    mode: str = "lfit"

    @property
    def unchanged(self) -> bool:
        """True when no pixel moves (limit_1 refused to enlarge, or the size already matches)."""
        return self.source == self.scaled == self.final


def round_half_up(value: float) -> int:
    """OSS rounds sizes half up, never below one pixel."""
    return max(1, int(value + 0.5))


@dataclass(frozen=True)
class ResizeParams:
    """The resize parameters geometry needs (mirrors ``ossimg.img.ops.Resize``)."""

    m: str | None = None
    w: int | None = None
    h: int | None = None
    l: int | None = None  # noqa: E741 - OSS's parameter name
    s: int | None = None
    p: int | None = None
    limit: int | None = None


def plan_resize(width: int, height: int, params: ResizeParams) -> ResizePlan:
    """The sizes OSS produces for a ``width`` x ``height`` image."""
    mode = params.m or "lfit"
    limit = params.limit if params.limit is not None else 1
    box = _box(width, height, params, mode)
    if box is None:
        factor = _single_factor(width, height, params)
        return _limited(width, height, factor, factor, mode, limit, None)
    bw, bh = box
    kx, ky = bw / width, bh / height
    if mode == "fixed":
        return _limited(width, height, kx, ky, mode, limit, box)
    k = max(kx, ky) if mode in ("mfit", "fill") else min(kx, ky)
    return _limited(width, height, k, k, mode, limit, box)


def _box(width: int, height: int, p: ResizeParams, mode: str) -> tuple[int, int] | None:
    """The target box, or None when the request is a plain scale factor."""
    if p.w is not None and p.h is not None:
        return p.w, p.h
    side = p.w if p.w is not None else p.h
    if side is not None:
        # "fixed width and height" modes assume a square box when one side is given.
        return (side, side) if mode in ("fill", "pad", "fixed") else None
    if p.l is not None and p.s is not None:
        return (p.l, p.s) if width >= height else (p.s, p.l)
    return None


def _single_factor(width: int, height: int, p: ResizeParams) -> float:
    if p.w is not None:
        return p.w / width
    if p.h is not None:
        return p.h / height
    if p.l is not None:
        return p.l / max(width, height)
    if p.s is not None:
        return p.s / min(width, height)
    assert p.p is not None, "Resize validation guarantees one of w, h, l, s, p"
    return p.p / 100


def _limited(
    width: int, height: int, kx: float, ky: float, mode: str, limit: int, box: tuple[int, int] | None
) -> ResizePlan:
    if limit == 1 and (kx > 1 or ky > 1):
        return ResizePlan((width, height), (width, height), (width, height), mode=mode)
    scaled = (round_half_up(width * kx), round_half_up(height * ky))
    if box is None or mode in ("lfit", "mfit", "fixed"):
        return ResizePlan((width, height), scaled, scaled, mode=mode)
    bw, bh = box
    if mode == "fill":
        return ResizePlan((width, height), scaled, box, ((scaled[0] - bw) // 2, (scaled[1] - bh) // 2), mode)
    return ResizePlan((width, height), scaled, box, ((bw - scaled[0]) // 2, (bh - scaled[1]) // 2), mode)


def output_too_large(size: tuple[int, int]) -> bool:
    """OSS refuses results wider or taller than 16384 or above 4096² pixels (EC 0040-00000007)."""
    return max(size) > MAX_OUTPUT_SIDE or size[0] * size[1] > MAX_OUTPUT_PIXELS


def crop_box(
    size: tuple[int, int], w: int | None, h: int | None, x: int, y: int, gravity: str
) -> tuple[int, int, int, int] | None:
    """The (left, top, right, bottom) region of ``crop``, clipped to the image; None when the start
    point lies outside it. Origins follow the 2024 gravity table (oss-img-spec §3.2); ``x``/``y``
    are offsets from that origin (their direction for e/s gravities is unverified)."""
    width, height = size
    cw = w if w else width
    ch = h if h else height
    ox = {
        "nw": 0,
        "west": 0,
        "sw": 0,
        "north": width // 2 - cw // 2,
        "center": width // 2 - cw // 2,
        "south": width // 2 - cw // 2,
    }.get(gravity, width - cw)
    oy = {
        "nw": 0,
        "north": 0,
        "ne": 0,
        "west": height // 2 - ch // 2,
        "center": height // 2 - ch // 2,
        "east": height // 2 - ch // 2,
    }.get(gravity, height - ch)
    left, top = max(0, ox) + x, max(0, oy) + y
    if left >= width or top >= height:
        return None
    return left, top, min(width, left + cw), min(height, top + ch)


def index_slice(size: tuple[int, int], x: int | None, y: int | None, index: int) -> tuple[int, int, int, int] | None:
    """The slice ``indexcrop`` keeps; ``y`` wins over ``x``; None when ``index`` is past the last slice."""
    width, height = size
    if y is not None:
        top = index * y
        return None if top >= height else (0, top, width, min(height, top + y))
    assert x is not None
    left = index * x
    return None if left >= width else (left, 0, min(width, left + x), height)


def circle_box(size: tuple[int, int], radius: int) -> tuple[int, tuple[int, int, int, int]]:
    """``(r, box)``: the radius after OSS caps it to (shorter side - 1) / 2, and the centred square
    of side 2r+1 (oss-img-spec §3.3); the cap applies whenever that square would not fit."""
    width, height = size
    if 2 * radius + 1 > min(width, height):
        radius = (min(width, height) - 1) // 2
    left, top = width // 2 - radius, height // 2 - radius
    return radius, (left, top, left + 2 * radius + 1, top + 2 * radius + 1)


def place(
    canvas: tuple[int, int], block: tuple[int, int], gravity: str, x: int, y: int, voffset: int
) -> tuple[int, int]:
    """Top-left of a watermark ``block``: margins ``x``/``y`` from the gravity's edges; ``voffset``
    moves west/center/east blocks up when positive (its sign is unverified; oss-img-spec §3.14)."""
    width, height = canvas
    bw, bh = block
    left = {
        "nw": x,
        "west": x,
        "sw": x,
        "north": (width - bw) // 2,
        "center": (width - bw) // 2,
        "south": (width - bw) // 2,
    }.get(gravity, width - bw - x)
    middle = (height - bh) // 2 - voffset
    top = {"nw": y, "north": y, "ne": y, "west": middle, "center": middle, "east": middle}.get(gravity, height - bh - y)
    return left, top


Affine = tuple[float, float, float, float, float, float]


def rotation(size: tuple[int, int], degrees: int) -> tuple[tuple[int, int], Affine]:
    """``(expanded size, matrix)`` of a clockwise rotation by ``degrees`` on a canvas grown to hold
    it: the arithmetic of Pillow's ``rotate(-degrees, expand=True)``, whose matrix maps a pixel of
    the result back to the source (``Image.transform`` with AFFINE takes it as it is)."""
    width, height = size
    quarter = _QUARTER_TURNS.get(degrees % 360)
    if quarter is not None:  # Pillow transposes these: exact sizes, every pixel moved whole
        return quarter(width, height)
    angle = math.radians(degrees)  # Pillow negates its counter-clockwise angle; ours is clockwise
    cos, sin = round(math.cos(angle), 15), round(math.sin(angle), 15)
    a, b, d, e = cos, sin, -sin, cos

    def apply(x: float, y: float, c: float, f: float) -> tuple[float, float]:
        return a * x + b * y + c, d * x + e * y + f

    cx, cy = width / 2, height / 2
    c, f = apply(-cx, -cy, 0.0, 0.0)
    c, f = c + cx, f + cy
    corners = [apply(x, y, c, f) for x, y in ((0, 0), (width, 0), (width, height), (0, height))]
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    new = (math.ceil(max(xs)) - math.floor(min(xs)), math.ceil(max(ys)) - math.floor(min(ys)))
    c, f = apply(-(new[0] - width) / 2.0, -(new[1] - height) / 2.0, c, f)
    return new, (a, b, c, d, e, f)


# Clockwise quarter turns: the result's size, and the matrix from a result pixel to its source.
_QUARTER_TURNS: dict[int, Callable[[int, int], tuple[tuple[int, int], Affine]]] = {
    90: lambda w, h: ((h, w), (0.0, 1.0, 0.0, -1.0, 0.0, float(h))),
    180: lambda w, h: ((w, h), (-1.0, 0.0, float(w), 0.0, -1.0, float(h))),
    270: lambda w, h: ((h, w), (0.0, -1.0, float(w), 1.0, 0.0, 0.0)),
}
