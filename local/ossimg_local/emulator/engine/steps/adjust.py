"""``blur``, ``bright``, ``contrast``, ``sharpen``: pixels change, size does not.

OSS's exact filters are unpublished; these are the standard operations the parameters describe,
so dimensions and direction of change match, pixel values need not (oss-img-spec §7).

Each runs in place, a strip of rows at a time, so a 240-megapixel image costs itself plus a few
strips instead of three full copies (Pillow's blur makes a transposed copy besides its output).
A filter that reaches ``margin`` rows sees them around its strip: the rows above were already
changed, so their originals are kept aside before the previous strip is written back. The result
equals filtering the whole image at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PIL import Image, ImageEnhance, ImageFilter

from ossimg.img.ops import Blur, Bright, Contrast, Sharpen

from ..canvas import Canvas
from ..footprint import Footprint, Shape, bytes_per_pixel, wide

# Bytes of one strip's working copy.
STRIP_BYTES = 16 << 20
FILTERABLE = ("RGB", "RGBA", "L")
SHARPEN_RADIUS = 1.5
Change = Callable[[Image.Image], Image.Image]


def apply_blur(canvas: Canvas, op: Blur) -> None:
    """Gaussian blur with standard deviation ``s`` (``r`` bounds it, as a kernel radius does)."""
    sigma = min(op.s, op.r)
    _in_strips(canvas, margin(sigma), lambda strip: strip.filter(ImageFilter.GaussianBlur(radius=sigma)))


def apply_bright(canvas: Canvas, op: Bright) -> None:
    """-100 is black, 0 unchanged, 100 twice as bright."""
    _in_strips(canvas, 0, lambda strip: ImageEnhance.Brightness(strip).enhance(1 + op.value / 100))


def apply_contrast(canvas: Canvas, op: Contrast) -> None:
    """-100 is flat grey, 0 unchanged, 100 twice the contrast: each pixel moves away from the image's
    mean grey (ImageEnhance.Contrast, with the mean taken over the whole image first)."""
    image = _filterable(canvas)
    mean = _mean_grey(image)
    factor = 1 + op.value / 100

    def contrast(strip: Image.Image) -> Image.Image:
        flat = Image.new("L", strip.size, mean)
        flat = flat if strip.mode == "L" else flat.convert(strip.mode)
        if "A" in strip.getbands():
            flat.putalpha(strip.getchannel("A"))
        return Image.blend(flat, strip, factor)

    _in_strips(canvas, 0, contrast)


def apply_sharpen(canvas: Canvas, op: Sharpen) -> None:
    """Unsharp mask whose strength in percent is the value (100 recommended by OSS)."""
    mask = ImageFilter.UnsharpMask(radius=SHARPEN_RADIUS, percent=op.value, threshold=2)
    _in_strips(canvas, margin(SHARPEN_RADIUS), lambda strip: strip.filter(mask))


def margin(sigma: float) -> int:
    """Rows a Gaussian blur of ``sigma`` reaches: Pillow runs three box blurs whose radius is at
    most sigma, each reaching one pixel past it."""
    return 3 * (math.ceil(sigma) + 1) + 2


def _filterable(canvas: Canvas) -> Image.Image:
    if canvas.image.mode not in FILTERABLE:
        canvas.replace(canvas.image.convert("RGBA"))
    elif canvas.animated:
        canvas.replace(canvas.image)
    return canvas.image


def _mean_grey(image: Image.Image) -> int:
    """The mean of the image's L conversion, a strip at a time (ImageStat on a full copy otherwise)."""
    histogram = [0] * 256
    for top, bottom in _strips(image.size, bytes_per_pixel(image.mode), 0):
        for value, count in enumerate(image.crop((0, top, image.width, bottom)).convert("L").histogram()):
            histogram[value] += count
    total = sum(histogram)
    return int(sum(value * count for value, count in enumerate(histogram)) / max(1, total) + 0.5)


def _strips(size: tuple[int, int], bpp: int, reach: int) -> list[tuple[int, int]]:
    width, height = size
    # At least four times the reach, so each row is filtered at most 1.5 times over.
    rows = max(1, 4 * reach, STRIP_BYTES // max(1, width * bpp) - 2 * reach)
    return [(top, min(height, top + rows)) for top in range(0, height, rows)]


def _in_strips(canvas: Canvas, reach: int, change: Change) -> None:
    image = _filterable(canvas)
    width, height = image.size
    saved: Image.Image | None = None  # the original rows just above the next strip
    for top, bottom in _strips(image.size, bytes_per_pixel(image.mode), reach):
        above, below = max(0, top - reach), min(height, bottom + reach)
        window = image.crop((0, above, width, below))
        if saved is not None:
            window.paste(saved, (0, 0))
        saved = image.crop((0, max(0, bottom - reach), width, bottom)) if reach else None
        changed = change(window)
        image.paste(changed.crop((0, top - above, width, bottom - above)), (0, top))
    canvas.replace(image)


def footprint(shape: Shape, reach: int) -> Footprint:
    """The image (and its RGBA copy when its mode cannot be filtered), and a strip's copies: the
    window, its saved rows, the filter's output and transposed copy, the part written back."""
    mode = shape.mode if shape.mode in FILTERABLE else "RGBA"
    bpp = bytes_per_pixel(mode)
    rows = _strips(shape.size, bpp, reach)[0]
    window = (rows[1] - rows[0] + 2 * reach) * shape.size[0] * bpp
    converted = 0 if mode == shape.mode else wide(shape.size)
    return Footprint(shape.still(mode=mode), shape.bytes + converted + 5 * window)


def footprint_blur(shape: Shape, op: Blur) -> Footprint:
    """See ``footprint``."""
    return footprint(shape, margin(min(op.s, op.r)))


def footprint_sharpen(shape: Shape) -> Footprint:
    """See ``footprint``."""
    return footprint(shape, margin(SHARPEN_RADIUS))


def footprint_pointwise(shape: Shape) -> Footprint:
    """See ``footprint``: no strip reaches past its rows."""
    return footprint(shape, 0)
