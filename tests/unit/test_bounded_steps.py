"""The engine's memory-bounded ways of doing a step give the pixels of the plain way: filters run by
strips equal the filter run on the whole image, a text watermark drawn window by window equals
the whole text drawn, rotated and cropped, masks drawn by bands equal the mask drawn at once."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageStat

from ossimg.img.ops import Blur, Bright, Contrast, Sharpen
from ossimg_local.emulator.engine import codecs
from ossimg_local.emulator.engine.canvas import Canvas
from ossimg_local.emulator.engine.steps import adjust, mask, resize
from ossimg_local.emulator.engine.text import TextMark


def noise(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    return Image.merge("RGB", [Image.effect_noise(size, 60) for _ in range(3)]).convert(mode)


def canvas_of(image: Image.Image) -> Canvas:
    source = codecs.Source(None, "png", 0, image.size)
    return Canvas(image.copy(), source, "png")


def same(a: Image.Image, b: Image.Image, tolerance: int = 0) -> bool:
    extrema = ImageChops.difference(a.convert("RGBA"), b.convert("RGBA")).getextrema()
    return all(high <= tolerance for _, high in extrema)


def contrast_reference(image: Image.Image, value: int) -> Image.Image:
    return ImageEnhance.Contrast(image).enhance(1 + value / 100)


@pytest.mark.parametrize(("op", "apply", "reference"), [
    pytest.param(Blur(r=9, s=7), adjust.apply_blur, lambda im: im.filter(ImageFilter.GaussianBlur(7)), id="blur"),
    pytest.param(Sharpen(value=250), adjust.apply_sharpen,
                 lambda im: im.filter(ImageFilter.UnsharpMask(1.5, 250, 2)), id="sharpen"),
    pytest.param(Bright(value=-40), adjust.apply_bright, lambda im: ImageEnhance.Brightness(im).enhance(0.6),
                 id="bright"),
    pytest.param(Contrast(value=70), adjust.apply_contrast, lambda im: contrast_reference(im, 70), id="contrast"),
])  # fmt: skip
@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L"])
def test_filters_by_strips_equal_the_filter_on_the_whole_image(monkeypatch, op, apply, reference, mode):
    monkeypatch.setattr(adjust, "STRIP_BYTES", 4000)  # a few rows a strip: many strips, many seams
    image = noise((37, 301), mode)
    canvas = canvas_of(image)
    apply(canvas, op)
    assert same(canvas.image, reference(image))


def test_the_mean_grey_by_strips_is_the_whole_image_s(monkeypatch):
    monkeypatch.setattr(adjust, "STRIP_BYTES", 1000)
    image = noise((53, 211))
    assert adjust._mean_grey(image) == int(ImageStat.Stat(image.convert("L")).mean[0] + 0.5)


def whole_text(text: TextMark) -> Image.Image:
    """The text drawn whole and rotated the plain way, as the engine drew it before windows."""
    left, top, right, bottom = text.font.getbbox(text.text)
    image = Image.new("RGBA", (right - left + text.offset, bottom - top + text.offset), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if text.shadow:
        shade = (0, 0, 0, text.shadow * 255 // 100)
        draw.text((text.offset - left, text.offset - top), text.text, font=text.font, fill=shade)
    draw.text((-left, -top), text.text, font=text.font, fill="#" + text.color)
    return image.rotate(-text.rotate, Image.Resampling.BICUBIC, expand=True) if text.rotate % 360 else image


@pytest.mark.parametrize("rotate", [0, 30, 90, 135, 200, 359])
@pytest.mark.parametrize("window", [
    pytest.param("whole", id="whole"), pytest.param((0.1, 0.2, 0.35, 0.9), id="left"),
    pytest.param((0.5, 0.45, 0.52, 0.6), id="sliver"), pytest.param((0.7, 0.0, 1.0, 0.3), id="corner"),
])  # fmt: skip
def test_a_text_window_equals_the_whole_text_cropped(rotate, window):
    text = TextMark("AVAST To wide text, 猫, shadow", size=48, color="1060F0", shadow=60, rotate=rotate)
    whole = whole_text(text)
    assert text.block == whole.size
    w, h = whole.size
    left, top, right, bottom = (0, 0, 1, 1) if window == "whole" else window
    box = (int(left * w), int(top * h), max(int(left * w) + 1, int(right * w)), max(int(top * h) + 1, int(bottom * h)))
    assert same(text.render(box), whole.crop(box))


def test_a_text_window_off_the_text_is_transparent():
    text = TextMark("far", size=30, rotate=45)
    corner = text.render((0, 0, 3, 3))
    assert corner.getextrema()[3] == (0, 0)


def test_a_mask_drawn_by_bands_equals_it_drawn_at_once(monkeypatch):
    monkeypatch.setattr(mask, "BAND", 7)
    side = 101

    def circle(draw: ImageDraw.ImageDraw, scale: int, top: int) -> None:
        draw.ellipse((0, -top, scale * side - 1, scale * side - 1 - top), fill=255)

    at_once = Image.new("L", (side * mask.SUPERSAMPLE,) * 2, 0)
    circle(ImageDraw.Draw(at_once), mask.SUPERSAMPLE, 0)
    assert same(mask._mask((side, side), circle), at_once.reduce(mask.SUPERSAMPLE))


# (source, result): even halves, odd sizes, a wide and a tall image, RGBA (premultiplied by Pillow).
@pytest.mark.parametrize(("source", "size", "mode"), [
    ((2000, 1500), (1024, 768), "RGB"), ((1999, 1501), (1023, 767), "RGB"),
    ((3000, 400), (2000, 267), "RGB"), ((640, 2000), (333, 1041), "RGBA"),
])  # fmt: skip
def test_a_resample_in_bands_is_the_resample_at_once_to_within_rounding(source, size, mode):
    image = Image.merge(mode, [Image.effect_noise(source, 60 + 10 * n) for n in range(len(mode))])
    banded = resize.scaled(image, size)
    whole = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=resize.REDUCING_GAP)
    assert banded.size == whole.size
    if mode == "RGBA":  # as seen: where alpha is near 0 the colour is all but undefined after Pillow unpremultiplies
        grey = Image.new("RGBA", size, (128, 128, 128, 255))
        banded, whole = Image.alpha_composite(grey, banded), Image.alpha_composite(grey, whole)
    difference = ImageChops.difference(banded, whole)
    assert max(high for _, high in difference.getextrema()) <= (2 if mode == "RGBA" else 1)
    differing = sum(difference.convert("L").point(lambda v: 255 if v else 0).histogram()[255:])
    assert differing <= size[0] * size[1] // 1000  # a few pixels whose centre rounds the other way
