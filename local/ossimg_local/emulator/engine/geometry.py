"""OSS resize arithmetic, pure: from a source size and resize parameters to the sizes to produce.

Rules (oss-img-spec §3.1): a box from w/h (one side alone makes fill/pad/fixed use a square box and
lfit/mfit scale proportionally), else from l/s, else the percentage p; then the mode: lfit fits
inside, mfit covers, fill covers then centre-crops, pad fits then centre-pads, fixed stretches.
Sizes round half up ("四舍五入"). With limit_1 (the default) a result that would enlarge the image
returns the source size unchanged. Unverified details, chosen as the spec recommends: p honours
limit like every other form; fill/pad centre offsets round down.
"""

from __future__ import annotations

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
