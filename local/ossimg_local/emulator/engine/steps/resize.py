"""``resize``: scale, then crop (fill) or pad (pad) as geometry planned; every frame of a GIF."""

from __future__ import annotations

import itertools
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from PIL import Image

from ossimg.img.ops import Resize

from ... import errors
from ..canvas import Canvas
from ..footprint import Footprint, Shape, area, bytes_per_pixel, wide
from ..geometry import ResizeParams, ResizePlan, output_too_large, plan_resize

# Pillow shrinks by whole factors (reduce) first when the scale is at least this: the look of a
# LANCZOS resize for a fraction of the time.
REDUCING_GAP = 3.0
# Resampling a large result is split in this many bands, one per thread; below BAND_MIN_ROWS output
# rows the threads cost more than they save.
BANDS = 2
BAND_MIN_ROWS = 256
_POOL = ThreadPoolExecutor(max_workers=BANDS, thread_name_prefix="resample")
# Modes Pillow resizes as they are; others are converted first.
RESIZABLE = ("RGB", "RGBA", "L", "LA")


def params(op: Resize) -> ResizeParams:
    """The geometry view of a resize action."""
    return ResizeParams(m=op.m, w=op.w, h=op.h, l=op.l, s=op.s, p=op.p, limit=op.limit)


def plan(op: Resize, size: tuple[int, int], *, gif: bool = False) -> ResizePlan:
    """What ``op`` does to an image of ``size``. Raises InvalidArgument past OSS's output limit.

    A GIF is never enlarged, whatever ``limit`` says (oss-img-spec §2).
    """
    geometry = params(op)
    if gif:
        geometry = replace(geometry, limit=1)
    result = plan_resize(size[0], size[1], geometry)
    if output_too_large(result.final):
        raise errors.InvalidArgument(
            f"The resized image {result.final[0]}x{result.final[1]} exceeds 16384 per side "
            "or 16777216 pixels in total.",
            ec="0040-00000007",
        )
    return result


def apply(canvas: Canvas, op: Resize) -> None:
    """Resize the canvas in place; ``p`` turns an animation static, as OSS documents."""
    if op.p is not None and canvas.animated:
        canvas.replace(canvas.image)
    result = plan(op, canvas.size, gif=canvas.source.format == "gif")
    if result.unchanged and canvas.image.size == result.final:
        return
    canvas.map_frames(lambda image: resize_image(image, result, op.color))


def footprint(shape: Shape, op: Resize, *, gif: bool) -> Footprint:
    """Resized frames, plus one frame's working copies while it is being resized."""
    if op.p is not None and shape.frames > 1:
        shape = shape.still(mode=shape.mode)
    result = plan(op, shape.logical, gif=gif)
    if result.unchanged and shape.size == result.final:
        return Footprint(shape, shape.bytes)
    out = replace(shape, size=result.final, logical=result.final, mode=working_mode(shape.mode), pending=False)
    # The input (or the reader with its current frame), one frame's copies, the frames done so far.
    done = out.bytes if shape.frames > 1 else 0
    return Footprint(out, shape.bytes + frame_peak(shape.size, shape.mode, result) + done)


def working_mode(mode: str) -> str:
    """The mode a frame is resized in (and comes out in)."""
    return mode if mode in RESIZABLE else "RGBA"


def frame_peak(size: tuple[int, int], mode: str, result: ResizePlan) -> int:
    """Copies one ``resize_image`` makes besides its input: a converted copy, Pillow's premultiplied
    copy for alpha, the reduced image, the horizontal pass, the result (and its un-premultiplied
    twin), the fill crop or pad canvas."""
    work = working_mode(mode)
    bpp = bytes_per_pixel(work)
    alpha = work in ("RGBA", "LA")
    total = wide(size) if work != mode else 0
    total += area(size) * bpp if alpha else 0
    reduced = _reduced(size, result.scaled)
    total += area(reduced) * bpp if reduced != size else 0
    # fill resamples only what it keeps; pad puts the scaled image on a canvas of its own.
    made = result.final if result.mode == "fill" else result.scaled
    total += made[0] * reduced[1] * bpp
    total += area(made) * bpp * (2 if alpha else 1)
    total += area(result.final) * bpp if result.mode == "pad" and result.final != result.scaled else 0
    # Bands are pasted into a result of their own: the scaled image is held twice for a moment.
    resampled = result.mode != "fill" and size != result.scaled
    total += area(made) * bpp if resampled and _banded(size, result.scaled) else 0
    return total


def _reduced(size: tuple[int, int], scaled: tuple[int, int]) -> tuple[int, int]:
    """The size Pillow's reduce step yields before resampling (Image.resize with reducing_gap)."""
    fx = int(size[0] / scaled[0] / REDUCING_GAP) or 1
    fy = int(size[1] / scaled[1] / REDUCING_GAP) or 1
    return (math.ceil(size[0] / fx), math.ceil(size[1] / fy))


def resize_image(image: Image.Image, result: ResizePlan, color: str | None) -> Image.Image:
    """Scale ``image`` to the plan's size, then crop or pad it."""
    if image.mode not in RESIZABLE:
        image = image.convert("RGBA" if "transparency" in image.info or image.mode in ("P", "PA") else "RGB")
    if result.mode == "fill" and result.final != result.scaled:
        # Only the part fill keeps is resampled, straight from the source (a 97x61 image filled to
        # 16384x1024 would otherwise be scaled whole to 16384x10305 first).
        kx, ky = result.scaled[0] / image.width, result.scaled[1] / image.height
        x, y = result.offset
        box = (x / kx, y / ky, (x + result.final[0]) / kx, (y + result.final[1]) / ky)
        return image.resize(result.final, Image.Resampling.LANCZOS, box=box, reducing_gap=REDUCING_GAP)
    if image.size != result.scaled:
        image = scaled(image, result.scaled)
    if result.mode == "pad" and result.final != result.scaled:
        padded = Image.new(image.mode, result.final, "#" + (color or "FFFFFF"))
        padded.paste(image, result.offset)
        return padded
    return image


def scaled(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """``image`` resampled to ``size`` (LANCZOS). A large result is made in horizontal bands on
    BANDS threads (Pillow lets go of the GIL while it resamples): each band resamples the source
    rows its output rows need with the same filter (a box only shifts the centres), so the bands
    join into the image one call makes, to within one level on the few pixels (about 0.02%) whose
    floating-point centres round the other way (two, as seen, where alpha is near 0). Not when
    Pillow first reduces by a whole factor (reducing_gap): its blocks would start at each band's edge."""
    width, height = size
    if not _banded(image.size, size):
        return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
    ky = image.height / height
    edges = [height * n // BANDS for n in range(BANDS + 1)]
    boxes = [((0, top * ky, image.width, bottom * ky), bottom - top) for top, bottom in itertools.pairwise(edges)]
    bands = list(_POOL.map(lambda job: image.resize((width, job[1]), Image.Resampling.LANCZOS, box=job[0]), boxes))
    whole = Image.new(image.mode, size)
    for top, band in zip(edges, bands, strict=False):  # edges has one more: the bottom
        whole.paste(band, (0, top))
    return whole


def _banded(source: tuple[int, int], size: tuple[int, int]) -> bool:
    """Is a resample of ``source`` to ``size`` made in bands (``scaled``)?"""
    return size[1] >= BAND_MIN_ROWS and _reduced(source, size) == source
