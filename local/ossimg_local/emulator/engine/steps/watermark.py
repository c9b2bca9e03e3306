"""``watermark``: text, an image from the same bucket, or both, placed or tiled (oss-img-spec §3.14)."""

from __future__ import annotations

from PIL import Image, ImageDraw

from ossimg.img.ops import Op, Resize, Watermark

from ... import errors
from .. import codecs, fonts
from ..canvas import Canvas
from ..geometry import place, round_half_up

WATERMARK_FORMATS = ("jpg", "png", "bmp", "webp", "tiff")


def apply(canvas: Canvas, op: Watermark) -> None:
    """Draw one watermark onto the canvas; the image keeps its size."""
    block = _block(canvas, op)
    if op.t is not None and op.t < 100:
        block.putalpha(block.getchannel("A").point(lambda a: a * op.t // 100))
    base = canvas.with_alpha().copy()
    if op.fill:
        step_x, step_y = block.width + (op.padx or 0), block.height + (op.pady or 0)
        for top in range(0, base.height, max(1, step_y)):
            for left in range(0, base.width, max(1, step_x)):
                base.alpha_composite(block, (left, top))
    else:
        left, top = place(base.size, block.size, op.g or "se", _margin(op.x), _margin(op.y), op.voffset or 0)
        base.alpha_composite(block, (max(left, 0), max(top, 0)), (max(-left, 0), max(-top, 0)))
    canvas.replace(base if canvas.image.mode == "RGBA" else base.convert("RGB"))


def _margin(value: int | None) -> int:
    return 10 if value is None else value


def _block(canvas: Canvas, op: Watermark) -> Image.Image:
    """The watermark as one RGBA image: text, image, or both side by side."""
    parts = []
    if op.image is not None:
        parts.append(_image(canvas, op))
    if op.text is not None:
        parts.append(_text(op))
    if len(parts) == 1:
        return parts[0]
    if op.order == 1:
        parts.reverse()
    gap = op.interval or 0
    width, height = parts[0].width + gap + parts[1].width, max(p.height for p in parts)
    block = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    align = 2 if op.align is None else op.align
    left = 0
    for part in parts:
        top = {0: 0, 1: (height - part.height) // 2}.get(align, height - part.height)
        block.alpha_composite(part, (left, top))
        left += part.width + gap
    return block


def _text(op: Watermark) -> Image.Image:
    assert op.text is not None
    size = op.size or 40
    font = fonts.load(op.type or "wqy-zenhei", size)
    left, top, right, bottom = font.getbbox(op.text)
    shadow = max(1, size // 20) if op.shadow else 0
    image = Image.new("RGBA", (int(right - left) + shadow, int(bottom - top) + shadow), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if op.shadow:
        draw.text((shadow - left, shadow - top), op.text, font=font, fill=(0, 0, 0, op.shadow * 255 // 100))
    draw.text((-left, -top), op.text, font=font, fill="#" + (op.color or "000000"))
    if op.rotate:
        image = image.rotate(-op.rotate, Image.Resampling.BICUBIC, expand=True)
    return image


def _image(canvas: Canvas, op: Watermark) -> Image.Image:
    key, fetch = op.image_key, canvas.fetch
    if key is None or fetch is None:
        raise errors.InvalidArgument("An image watermark needs the source's bucket to read it from.")
    try:
        source = codecs.open_source(fetch(key))
    except errors.NoSuchKey:
        raise errors.InvalidArgument(
            f"The watermark image {key} does not exist in this bucket.", ec="0040-00000265"
        ) from None
    if source.format not in WATERMARK_FORMATS:
        raise errors.InvalidArgument(f"The watermark image {key} must be JPG, PNG, BMP, WebP or TIFF.")
    mark = Canvas(codecs.decode(source, None), source, source.format, fetch=fetch, run_step=canvas.run_step)
    for nested in op.image_process:
        _nested_step(mark, nested, canvas.image.size)
    return mark.with_alpha()


def _nested_step(mark: Canvas, op: Op, main: tuple[int, int]) -> None:
    if isinstance(op, Resize) and op.P is not None:
        # P: the watermark's size as a percentage of the main image, aspect kept.
        k = min(main[0] * op.P / 100 / mark.image.width, main[1] * op.P / 100 / mark.image.height)
        size = (round_half_up(mark.image.width * k), round_half_up(mark.image.height * k))
        mark.replace(mark.with_alpha().resize(size, Image.Resampling.LANCZOS))
        return
    assert mark.run_step is not None, "the pipeline hands every canvas its step runner"
    mark.run_step(mark, op)
