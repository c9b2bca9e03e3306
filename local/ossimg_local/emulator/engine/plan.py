"""A request's plan: every size, the output format and the memory the request will need, found
from headers and parameters before any pixel moves.

The plan walks the chain as the pipeline will, with shapes (footprint.Shape) in place of images:
each step says what it leaves and the most it holds while it runs. The request's cost is the
largest of those peaks (decode and encode included) plus a fixed overhead; the emulator admits
the request against its memory budget with it. Refusals OSS makes from sizes alone (output limits,
rotate's 4096, a crop starting outside the image, formats a region cannot write) are raised here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ossimg.img.ops import (
    AutoOrient,
    AverageHue,
    Blur,
    Bright,
    Circle,
    Contrast,
    Crop,
    Format,
    IndexCrop,
    Info,
    Interlace,
    Op,
    Quality,
    Resize,
    Rotate,
    RoundedCorners,
    Sharpen,
    Watermark,
)

from .. import errors
from . import codecs, encode
from .canvas import Fetch
from .footprint import FIXED_OVERHEAD, Footprint, Shape, decoding, encoding, wide
from .steps import adjust, crop, mark, mask, output, resize, rotate, watermark

# OSS encodes HEIC and AVIF only in these regions ([D-AVIF]).
HEIF_AVIF_REGIONS = frozenset(
    {"cn-zhangjiakou", "cn-shanghai", "cn-hangzhou", "cn-shenzhen", "cn-beijing", "ap-southeast-1", "us-east-1"}
)
# Steps that neither move pixels nor need them decoded at full size.
SETTINGS = (Format, Quality, Interlace, AutoOrient)
# The size average-hue decodes a JPEG at (shrink-on-load).
HUE_DRAFT = (64, 64)


@dataclass
class Plan:
    """What running the chain will do: decode at ``shrink`` (JPEG), end as ``format``, hold at most
    ``cost`` bytes. ``marks`` are the watermark images, opened, by id() of their action."""

    cost: int
    format: str
    auto_orient: bool = True
    answer: type[Op] | None = None  # Info or AverageHue: a JSON answer, no pixels out
    shrink: tuple[int, int] | None = None
    marks: dict[int, codecs.Source] = field(default_factory=dict)


@dataclass
class _Planning:
    gif: bool
    fetch: Fetch | None
    files: contextlib.ExitStack
    marks: dict[int, codecs.Source] = field(default_factory=dict)


def make_plan(
    source: codecs.Source, ops: list[Op], *, fetch: Fetch | None, files: contextlib.ExitStack, region: str
) -> Plan:
    """Plan ``ops`` on ``source`` (whose header is read). Raises the OSS error OSS would answer with
    from sizes alone."""
    if ops and isinstance(ops[0], Info):
        return Plan(FIXED_OVERHEAD, "json", answer=Info)
    if ops and isinstance(ops[0], AverageHue):
        codecs.shrink(source, HUE_DRAFT, auto_orient=False)
        peak = _decoded(source, auto_orient=False)[1] + wide(source.size)
        return Plan(peak + FIXED_OVERHEAD, "json", answer=AverageHue)
    auto_orient = not any(isinstance(op, AutoOrient) and op.value == 0 for op in ops)
    shrink = _shrink_target(ops, codecs.oriented_size(source, auto_orient), source)
    codecs.shrink(source, shrink, auto_orient=auto_orient)
    shape, peak = _decoded(source, auto_orient=auto_orient)
    shape = Shape(shape.size, shape.mode, codecs.oriented_size(source, auto_orient), shape.frames, shape.pending)
    context = _Planning(source.format == "gif", fetch, files)
    fmt, progressive = source.format, False
    for op in ops:
        step = _footprint(shape, op, context)
        shape, peak = step.shape, max(peak, step.peak)
        if isinstance(op, Format):
            fmt = output.chosen_format(fmt, source.format, op)
        elif isinstance(op, Interlace):
            progressive = op.value == 1
    if fmt in ("heic", "avif") and region not in HEIF_AVIF_REGIONS:
        raise errors.InvalidArgument(f"{fmt} output is not available in region {region}.")
    encode.check_output(shape.size, fmt)
    encoded = shape if fmt == "gif" else shape.still(mode=shape.mode)
    peak = max(peak, encoding(fmt, encoded, progressive, converts=encode.converts(shape.mode, fmt)))
    return Plan(peak + FIXED_OVERHEAD, fmt, auto_orient, shrink=shrink, marks=context.marks)


def _shrink_target(ops: list[Op], size: tuple[int, int], source: codecs.Source) -> tuple[int, int] | None:
    """The smallest size the first step needs, so JPEG decoding can skip pixels it would drop."""
    first = next((op for op in ops if not isinstance(op, SETTINGS)), None)
    if not isinstance(first, Resize) or source.animated:
        return None
    result = resize.plan(first, size)
    return result.scaled if not result.unchanged else None


def _decoded(source: codecs.Source, *, auto_orient: bool) -> tuple[Shape, int]:
    """The canvas decoding leaves, and the most decoding holds (an EXIF transpose copies)."""
    width, height = source.decoded
    if source.animated:
        shape = Shape(source.size, "RGBA", frames=source.frames, pending=True)
        return shape, shape.bytes + wide(source.size)
    peak = decoding(source.format, source.decoded, source.mode, source.size, source.scans, source.components)
    turned = auto_orient and source.orientation > 1
    size = (height, width) if turned and source.orientation >= 5 else (width, height)
    shape = Shape(size, source.mode)
    return shape, peak + (shape.bytes if turned else 0)


Planner = Callable[[Shape, Any, _Planning], Footprint]


def _watermark(shape: Shape, op: Watermark, context: _Planning) -> Footprint:
    if op.image_key is None:
        return watermark.footprint(shape, op, None, 0)
    source = mark.open_mark(_opener(context), op.image_key)
    context.marks[id(op)] = source
    picture, peak = _decoded(source, auto_orient=True)
    nested = _Planning(False, context.fetch, context.files, context.marks)
    for inner in op.image_process:
        if isinstance(inner, Resize) and inner.P is not None:
            step = mark.footprint_percent(picture, shape.size, inner.P)
        else:
            step = _footprint(picture, inner, nested)
        picture, peak = step.shape, max(peak, step.peak)
    rgba = picture.still()
    peak = max(peak, picture.bytes + (0 if picture.mode == "RGBA" else rgba.bytes))
    return watermark.footprint(shape, op, rgba, peak)


def _opener(context: _Planning) -> Fetch | None:
    """``fetch``, with every file it opens closed when the request ends."""
    fetch = context.fetch
    if fetch is None:
        return None

    def opened(key: str) -> Any:
        fp, size = fetch(key)
        context.files.enter_context(fp)
        return fp, size

    return opened


FOOTPRINTS: dict[type[Op], Planner] = {
    Resize: lambda shape, op, context: resize.footprint(shape, op, gif=context.gif),
    Crop: lambda shape, op, _: crop.footprint_crop(shape, op),
    IndexCrop: lambda shape, op, _: crop.footprint_indexcrop(shape, op),
    Circle: lambda shape, op, _: mask.footprint_circle(shape, op),
    RoundedCorners: lambda shape, op, context: mask.footprint_rounded_corners(shape, op, gif=context.gif),
    Rotate: lambda shape, op, _: rotate.footprint(shape, op),
    Blur: lambda shape, op, _: adjust.footprint_blur(shape, op),
    Bright: lambda shape, _op, _: adjust.footprint_pointwise(shape),
    Contrast: lambda shape, _op, _: adjust.footprint_pointwise(shape),
    Sharpen: lambda shape, _op, _: adjust.footprint_sharpen(shape),
    Watermark: _watermark,
}


def _footprint(shape: Shape, op: Op, context: _Planning) -> Footprint:
    planner = FOOTPRINTS.get(type(op))
    return Footprint(shape, shape.bytes) if planner is None else planner(shape, op, context)
