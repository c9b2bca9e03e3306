"""``resize``: scale, then crop (fill) or pad (pad) as geometry planned."""

from __future__ import annotations

from PIL import Image

from ossimg.img.ops import Resize

from ... import errors
from ..canvas import Canvas
from ..geometry import ResizeParams, ResizePlan, output_too_large, plan_resize


def params(op: Resize) -> ResizeParams:
    """The geometry view of a resize action."""
    return ResizeParams(m=op.m, w=op.w, h=op.h, l=op.l, s=op.s, p=op.p, limit=op.limit)


def plan(op: Resize, size: tuple[int, int]) -> ResizePlan:
    """What ``op`` does to an image of ``size``. Raises InvalidArgument past OSS's output limit."""
    result = plan_resize(size[0], size[1], params(op))
    if output_too_large(result.final):
        raise errors.InvalidArgument(
            f"The resized image {result.final[0]}x{result.final[1]} exceeds 16384 per side "
            "or 16777216 pixels in total.",
            ec="0040-00000007",
        )
    return result


def apply(canvas: Canvas, op: Resize) -> None:
    """Resize the canvas in place."""
    result = plan(op, canvas.size)
    image = canvas.image
    if result.unchanged and image.size == result.final:
        return
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "transparency" in image.info or image.mode == "P" else "RGB")
    if image.size != result.scaled:
        # reducing_gap lets Pillow shrink by whole factors first: same look, a fraction of the time.
        image = image.resize(result.scaled, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if result.mode == "fill":
        x, y = result.offset
        image = image.crop((x, y, x + result.final[0], y + result.final[1]))
    elif result.mode == "pad" and result.final != result.scaled:
        color = "#" + (op.color or "FFFFFF")
        padded = Image.new(image.mode, result.final, color)
        padded.paste(image, result.offset)
        image = padded
    canvas.image = image
    canvas.size = image.size
