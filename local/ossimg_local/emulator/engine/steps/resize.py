"""``resize``: scale, then crop (fill) or pad (pad) as geometry planned; every frame of a GIF."""

from __future__ import annotations

from dataclasses import replace

from PIL import Image

from ossimg.img.ops import Resize

from ... import errors
from ..canvas import Canvas
from ..geometry import ResizeParams, ResizePlan, output_too_large, plan_resize


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
    if op.p is not None and canvas.frames:
        canvas.replace(canvas.image)
    result = plan(op, canvas.size, gif=canvas.source.format == "gif")
    if result.unchanged and canvas.image.size == result.final:
        return
    canvas.map_frames(lambda image: resize_image(image, result, op.color))


def resize_image(image: Image.Image, result: ResizePlan, color: str | None) -> Image.Image:
    """Scale ``image`` to the plan's size, then crop or pad it."""
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "transparency" in image.info or image.mode in ("P", "PA") else "RGB")
    if image.size != result.scaled:
        # reducing_gap lets Pillow shrink by whole factors first: same look, a fraction of the time.
        image = image.resize(result.scaled, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if result.mode == "fill":
        x, y = result.offset
        return image.crop((x, y, x + result.final[0], y + result.final[1]))
    if result.mode == "pad" and result.final != result.scaled:
        padded = Image.new(image.mode, result.final, "#" + (color or "FFFFFF"))
        padded.paste(image, result.offset)
        return padded
    return image
