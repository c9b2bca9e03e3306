"""Run a parsed chain: decode once (shrunk on load where possible), apply steps in order, encode.

OSS applies actions left to right (oss-img-spec §1.3), so the chain itself is the step order; this
module maps each action to its step and owns decode and encode around them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ossimg.img.formats import MIME
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
)  # fmt: skip

from .. import errors
from . import codecs
from .canvas import Canvas, Fetch
from .query import average_hue_json, info_json
from .steps import adjust, crop, mask, output, resize, rotate, watermark

Step = Callable[[Canvas, Any], None]

STEPS: dict[type[Op], Step] = {
    Resize: resize.apply,
    Crop: crop.apply_crop,
    IndexCrop: crop.apply_indexcrop,
    Circle: mask.apply_circle,
    RoundedCorners: mask.apply_rounded_corners,
    Rotate: rotate.apply,
    AutoOrient: output.apply_auto_orient,
    Blur: adjust.apply_blur,
    Bright: adjust.apply_bright,
    Contrast: adjust.apply_contrast,
    Sharpen: adjust.apply_sharpen,
    Format: output.apply_format,
    Quality: output.apply_quality,
    Interlace: output.apply_interlace,
    Watermark: watermark.apply,
}
# Steps that neither move pixels nor need them decoded at full size.
SETTINGS = (Format, Quality, Interlace, AutoOrient)
# OSS encodes HEIC and AVIF only in these regions ([D-AVIF]).
HEIF_AVIF_REGIONS = frozenset(
    {"cn-zhangjiakou", "cn-shanghai", "cn-hangzhou", "cn-shenzhen", "cn-beijing", "ap-southeast-1", "us-east-1"}
)


@dataclass(frozen=True)
class Output:
    """A processed image (or JSON reply) ready to send or save."""

    body: bytes
    format: str
    content_type: str
    size: tuple[int, int] | None


def process(data: bytes, ops: list[Op], *, fetch: Fetch | None = None, region: str = "cn-hangzhou") -> Output:
    """Execute ``ops`` on the image ``data``; ``fetch`` reads watermark images from the same bucket.

    Raises the OSS error OSS would answer with.
    """
    source = codecs.open_source(data)
    if ops and isinstance(ops[0], (Info, AverageHue)):
        body = info_json(source) if isinstance(ops[0], Info) else average_hue_json(source)
        return Output(body, "json", "application/json", None)
    auto_orient = not any(isinstance(op, AutoOrient) and op.value == 0 for op in ops)
    size = codecs.oriented_size(source, auto_orient)
    image = codecs.decode(source, _shrink_target(ops, size, source), auto_orient=auto_orient)
    canvas = Canvas(image, source, source.format, size=size, fetch=fetch, run_step=apply_step)
    if source.animated:
        canvas.frames, canvas.durations = codecs.frames(source)
    for op in ops:
        apply_step(canvas, op)
    if canvas.format in ("heic", "avif") and region not in HEIF_AVIF_REGIONS:
        raise errors.InvalidArgument(f"{canvas.format} output is not available in region {region}.")
    body = codecs.encode(
        canvas.image, canvas.format, quality=canvas.quality(), progressive=canvas.progressive,
        frames=canvas.frames if canvas.format == "gif" else None, durations=canvas.durations,
    )  # fmt: skip
    return Output(body, canvas.format, MIME[canvas.format], canvas.image.size)


def apply_step(canvas: Canvas, op: Op) -> None:
    """Apply one action to ``canvas``."""
    STEPS[type(op)](canvas, op)


def _shrink_target(ops: list[Op], size: tuple[int, int], source: codecs.Source) -> tuple[int, int] | None:
    """The smallest size the first step needs, so JPEG decoding can skip pixels it would drop."""
    first = next((op for op in ops if not isinstance(op, SETTINGS)), None)
    if not isinstance(first, Resize) or source.animated:
        return None
    result = resize.plan(first, size)
    return result.scaled if not result.unchanged else None
