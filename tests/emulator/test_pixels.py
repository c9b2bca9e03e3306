"""Golden images: every action that changes pixels, compared with a perceptual measure (SSIM).

Each case runs the engine on one source and compares the result with a golden image that was
looked at when it was made (``pytest --update-testdata`` writes them to tests/testdata/golden/).
Each case also carries a control that a broken step would produce (the chain without the step,
or a flip where a rotation was due): the control must fall below the threshold, so the test can
tell a working step from a no-op.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from ossimg.img.chain import parse
from ossimg_local.demo import logo
from ossimg_local.emulator.engine import process
from ossimg_local.samples import sample_image

from .ssim import ssim

GOLDEN = Path(__file__).resolve().parents[1] / "testdata" / "golden"
SAME, DIFFERENT = 0.99, 0.97  # a golden matches above SAME; a control must stay below DIFFERENT
SOURCE = sample_image("golden/source.png", (320, 240))
LOGO_KEY = "assets/logo.png"


def exif_rotated() -> bytes:
    """The source stored as a camera does: pixels turned, and EXIF orientation 6 to turn them back."""
    image = Image.open(io.BytesIO(SOURCE)).convert("RGB").rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=exif)
    return out.getvalue()


def run(chain: str, source: bytes = SOURCE) -> Image.Image:
    def fetch(key: str):
        assert key == LOGO_KEY
        data = logo()
        return io.BytesIO(data), len(data)

    output = process(source, parse(chain), fetch=fetch)
    return Image.open(io.BytesIO(output.data.read())).convert("RGBA")


def flipped() -> Image.Image:
    return ImageOps.flip(Image.open(io.BytesIO(SOURCE)).convert("RGBA"))


TEXT = "image/watermark,text_b3NzaW1nIGdvbGRlbg,size_40,color_FFFFFF,g_center,t_100"
LOGO = "image/watermark,image_YXNzZXRzL2xvZ28ucG5n,g_center,t_100"
# name: (the chain, and what a broken step would leave instead)
CASES = {
    "blur": ("image/blur,r_10,s_10/format,png", lambda: run("image/format,png")),
    "bright": ("image/bright,60/format,png", lambda: run("image/format,png")),
    "contrast": ("image/contrast,-60/format,png", lambda: run("image/format,png")),
    "sharpen": ("image/resize,w_160/sharpen,300/format,png", lambda: run("image/resize,w_160/format,png")),
    "rotate-180": ("image/rotate,180/format,png", flipped),
    "auto-orient": ("image/auto-orient,1/format,png", lambda: run("image/auto-orient,0/format,png", exif_rotated())),
    "circle": ("image/circle,r_100/format,png", lambda: run("image/crop,w_201,h_201,g_center/format,png")),
    "rounded-corners": ("image/resize,w_160/rounded-corners,r_60/format,png",
                        lambda: run("image/resize,w_160/format,png")),
    "pad-colour": ("image/resize,m_pad,w_320,h_320,color_FF0000/format,png",
                   lambda: run("image/resize,m_pad,w_320,h_320/format,png")),
    "text-watermark": (TEXT + "/format,png", lambda: run("image/format,png")),
    "image-watermark": (LOGO + "/format,png", lambda: run("image/format,png")),
    "indexcrop": ("image/indexcrop,x_100,i_2/format,png", lambda: run("image/crop,x_0,w_100,h_240/format,png")),
}  # fmt: skip


def made(name: str) -> Image.Image:
    chain, _ = CASES[name]
    return run(chain, exif_rotated() if name == "auto-orient" else SOURCE)


@pytest.mark.parametrize("name", CASES)
def test_each_pixel_step_matches_its_golden_image(name, update_testdata):
    path = GOLDEN / f"{name}.png"
    image = made(name)
    if update_testdata:
        image.save(path)
    assert ssim(image, Image.open(path)) >= SAME


@pytest.mark.parametrize("name", CASES)
def test_a_broken_step_would_not_match(name):
    _, broken = CASES[name]
    golden = Image.open(GOLDEN / f"{name}.png")
    control = broken()
    # A size change alone already fails the comparison above.
    assert control.size != golden.size or ssim(control, golden) < DIFFERENT


def test_a_half_turn_is_the_source_upside_down_and_mirrored():
    """Independent of the engine: Pillow's own half turn of the source is the golden image."""
    expected = Image.open(io.BytesIO(SOURCE)).convert("RGBA").rotate(180)
    assert ssim(expected, Image.open(GOLDEN / "rotate-180.png")) >= SAME
