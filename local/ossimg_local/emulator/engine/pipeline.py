"""Run a parsed chain: read the headers and plan (sizes, format, memory) before any pixel moves,
then decode once (shrunk on load where possible), apply steps in order, encode.

OSS applies actions left to right (oss-img-spec §1.3), so the chain itself is the step order; this
module maps each action to its step and owns decode and encode around them. ``prepare`` returns a
``Job`` whose ``cost`` the caller can admit against a memory budget before calling ``run``.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

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
)

from . import codecs, encode
from .canvas import Canvas, Fetch
from .plan import Plan, make_plan
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
# Actions that answer JSON about the source instead of pixels.
ANSWERS: dict[type[Op], Callable[[codecs.Source], bytes]] = {Info: info_json, AverageHue: average_hue_json}


@dataclass(frozen=True)
class Output:
    """A processed image (or JSON reply), encoded into ``data`` (memory, or a temporary file when
    large), ready to send or save. ``size`` is the image's pixel size."""

    data: BinaryIO
    length: int
    format: str
    content_type: str
    size: tuple[int, int] | None

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        """The encoded bytes, from the start."""
        self.data.seek(0)
        while chunk := self.data.read(size):
            yield chunk

    @property
    def body(self) -> bytes:
        """All the encoded bytes at once (for small outputs and tools)."""
        return b"".join(self.chunks())

    def close(self) -> None:
        """Free the encoded bytes (their temporary file, if any)."""
        self.data.close()


class Job:
    """A request ready to run: its headers read, its plan made, its files open until ``close``."""

    def __init__(
        self, source: codecs.Source, ops: list[Op], plan: Plan, fetch: Fetch | None, files: contextlib.ExitStack
    ):
        self.source, self.ops, self.plan, self.fetch, self.files = source, ops, plan, fetch, files

    @property
    def cost(self) -> int:
        """The most memory running this job holds at once, in bytes."""
        return self.plan.cost

    def run(self) -> Output:
        """Execute the chain. Raises the OSS error OSS would answer with."""
        source, plan = self.source, self.plan
        if plan.answer is not None:
            body = ANSWERS[plan.answer](source)
            return Output(io.BytesIO(body), len(body), "json", "application/json", None)
        frames = codecs.animation(source) if source.animated else None
        image = next(frames) if frames is not None else codecs.decode(source, auto_orient=plan.auto_orient)
        canvas = Canvas(
            image,
            source,
            source.format,
            size=codecs.oriented_size(source, plan.auto_orient),
            pending=frames,
            fetch=self.fetch,
            run_step=apply_step,
            marks=plan.marks,
        )
        for op in self.ops:
            apply_step(canvas, op)
        gif = canvas.format == "gif" and canvas.animated
        data, length = encode.encode(
            canvas.image,
            canvas.format,
            quality=canvas.quality(),
            progressive=canvas.progressive,
            frames=canvas.all_frames() if gif else None,
        )
        return Output(data, length, canvas.format, MIME[canvas.format], canvas.image.size)

    def close(self) -> None:
        """Close the source and watermark files."""
        self.files.close()

    def __enter__(self) -> Job:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def prepare(
    fp: BinaryIO, file_size: int, ops: list[Op], *, fetch: Fetch | None = None, region: str = "cn-hangzhou"
) -> Job:
    """Read ``fp``'s header and plan ``ops`` on it; ``fetch`` opens watermark images of the same
    bucket. The job owns ``fp`` (and every file ``fetch`` opens) from here. Raises the OSS error
    OSS would answer with before decoding anything."""
    files = contextlib.ExitStack()
    files.enter_context(fp)
    try:
        source = codecs.open_source(fp, file_size)
        plan = make_plan(source, ops, fetch=fetch, files=files, region=region)
    except BaseException:
        files.close()
        raise
    return Job(source, ops, plan, fetch, files)


def process(
    data: bytes | BinaryIO, ops: list[Op], *, fetch: Fetch | None = None, region: str = "cn-hangzhou"
) -> Output:
    """Prepare and run at once, with no memory budget (tools, benchmarks)."""
    fp: BinaryIO = io.BytesIO(data) if isinstance(data, bytes) else data
    size = len(data) if isinstance(data, bytes) else os.fstat(fp.fileno()).st_size
    with prepare(fp, size, ops, fetch=fetch, region=region) as job:
        return job.run()


def apply_step(canvas: Canvas, op: Op) -> None:
    """Apply one action to ``canvas``."""
    STEPS[type(op)](canvas, op)
