"""``blur``, ``bright``, ``contrast``, ``sharpen``: pixels change, size does not.

OSS's exact filters are unpublished; these are the standard operations the parameters describe,
so dimensions and direction of change match, pixel values need not (oss-img-spec §7)."""

from __future__ import annotations

from PIL import Image, ImageEnhance, ImageFilter

from ossimg.img.ops import Blur, Bright, Contrast, Sharpen

from ..canvas import Canvas


def _rgb(image: Image.Image) -> Image.Image:
    return image if image.mode in ("RGB", "RGBA", "L") else image.convert("RGBA")


def apply_blur(canvas: Canvas, op: Blur) -> None:
    """Gaussian blur with standard deviation ``s`` (``r`` bounds it, as a kernel radius does)."""
    canvas.replace(_rgb(canvas.image).filter(ImageFilter.GaussianBlur(radius=min(op.s, op.r))))


def apply_bright(canvas: Canvas, op: Bright) -> None:
    """-100 is black, 0 unchanged, 100 twice as bright."""
    canvas.replace(ImageEnhance.Brightness(_rgb(canvas.image)).enhance(1 + op.value / 100))


def apply_contrast(canvas: Canvas, op: Contrast) -> None:
    """-100 is flat grey, 0 unchanged, 100 twice the contrast."""
    canvas.replace(ImageEnhance.Contrast(_rgb(canvas.image)).enhance(1 + op.value / 100))


def apply_sharpen(canvas: Canvas, op: Sharpen) -> None:
    """Unsharp mask whose strength in percent is the value (100 recommended by OSS)."""
    canvas.replace(_rgb(canvas.image).filter(ImageFilter.UnsharpMask(radius=1.5, percent=op.value, threshold=2)))
