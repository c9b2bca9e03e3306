"""Run a parsed chain: decode once (shrunk on load where possible), apply steps in order, encode.

OSS applies actions left to right (oss-img-spec §1.3), so the chain itself is the step order; this
module maps each action to its step and owns decode and encode around them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ossimg.img.ops import Format, Info, Op, Quality, Resize

from .. import errors
from . import codecs
from .canvas import Canvas
from .info import info_json
from .steps import output, resize

Step = Callable[[Canvas, Any], None]

STEPS: dict[type[Op], Step] = {
    Resize: resize.apply,
    Format: output.apply_format,
    Quality: output.apply_quality,
}


@dataclass(frozen=True)
class Output:
    """A processed image (or JSON reply) ready to send or save."""

    body: bytes
    format: str
    content_type: str
    size: tuple[int, int] | None


def process(data: bytes, ops: list[Op]) -> Output:
    """Execute ``ops`` on the image ``data``. Raises the OSS error OSS would answer with."""
    source = codecs.open_source(data)
    if any(isinstance(op, Info) for op in ops):
        if len(ops) > 1:
            raise errors.InvalidArgument("info cannot be combined with other actions.")
        return Output(info_json(source), "json", "application/json", None)
    size = codecs.oriented_size(source)
    canvas = Canvas(codecs.decode(source, _shrink_target(ops, size)), source, source.format, size=size)
    for op in ops:
        step = STEPS.get(type(op))
        if step is None:
            raise errors.NotImplementedByEmulator(f"The emulator cannot run {op.action} yet.")
        step(canvas, op)
    body = codecs.encode(canvas.image, canvas.format, quality=canvas.quality(), progressive=canvas.progressive)
    return Output(body, canvas.format, codecs.MIME[canvas.format], canvas.image.size)


def _shrink_target(ops: list[Op], size: tuple[int, int]) -> tuple[int, int] | None:
    """The smallest size the first step needs, so JPEG decoding can skip pixels it would drop."""
    first = next((op for op in ops if not isinstance(op, (Format, Quality))), None)
    if not isinstance(first, Resize):
        return None
    result = resize.plan(first, size)
    return result.scaled if not result.unchanged else None
