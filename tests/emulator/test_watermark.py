"""Watermarks through the emulator: where they land, how they look, what they may reference."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops

from ossimg.img.chain import b64url

from .clients import raises

WHITE = (255, 255, 255)


def png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(name="canvas")
def _canvas(bucket):
    """A white 400x300 picture and a solid red 40x20 logo in the same bucket."""
    bucket.put("white.png", png(Image.new("RGB", (400, 300), WHITE)))
    bucket.put("logo.png", png(Image.new("RGBA", (40, 20), (255, 0, 0, 255))))
    return bucket


def result(bucket, process) -> Image.Image:
    return Image.open(io.BytesIO(bucket.get("white.png", process=process).body)).convert("RGB")


def red_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    """Bounding box of the red pixels."""
    red = Image.eval(image.getchannel("G"), lambda v: 255 if v < 80 else 0)
    return red.getbbox()


LOGO = "image/watermark,image_" + b64url("logo.png")


@pytest.mark.parametrize(("params", "box"), [
    pytest.param("", (350, 270, 390, 290), id="default-se-10-10"),
    pytest.param(",g_nw", (10, 10, 50, 30), id="nw"),
    pytest.param(",g_nw,x_0,y_0", (0, 0, 40, 20), id="nw-no-margin"),
    pytest.param(",g_north", (180, 10, 220, 30), id="north"),
    pytest.param(",g_ne,x_20,y_30", (340, 30, 380, 50), id="ne-margins"),
    pytest.param(",g_west", (10, 140, 50, 160), id="west"),
    pytest.param(",g_center", (180, 140, 220, 160), id="center"),
    pytest.param(",g_center,voffset_50", (180, 90, 220, 110), id="center-voffset-up"),
    pytest.param(",g_east", (350, 140, 390, 160), id="east"),
    pytest.param(",g_sw", (10, 270, 50, 290), id="sw"),
    pytest.param(",g_south", (180, 270, 220, 290), id="south"),
])  # fmt: skip
def test_image_watermark_placement(canvas, params, box):
    assert red_box(result(canvas, LOGO + params)) == box


def test_image_keeps_its_size(canvas):
    assert result(canvas, LOGO).size == (400, 300)


def test_nested_process_resizes_by_percentage_of_the_main_image(canvas):
    nested = "image/watermark,g_nw,x_0,y_0,image_" + b64url("logo.png?x-oss-process=image/resize,P_20")
    assert red_box(result(canvas, nested)) == (0, 0, 80, 40)  # 20% of 400 wide, aspect kept


def test_opacity(canvas):
    pixel = result(canvas, LOGO + ",g_nw,t_50").getpixel((20, 15))
    assert 120 < pixel[1] < 135  # half red over white


def test_fill_tiles_the_whole_image(canvas):
    tiled = result(canvas, LOGO + ",fill_1,padx_10,pady_10")
    assert red_box(tiled) == (0, 0, 390, 290)
    assert tiled.getpixel((45, 5)) == WHITE  # the padding between tiles


def test_text_watermark_draws_near_its_gravity(canvas):
    plain = result(canvas, "image/resize,p_100")
    marked = result(canvas, "image/watermark,text_" + b64url("ossimg 猫") + ",size_40,g_nw")
    changed = ImageChops.difference(plain, marked).getbbox()
    assert changed is not None
    left, top, right, bottom = changed
    assert (left, top) >= (10, 10)
    assert right < 250
    assert bottom < 70


def test_text_colour_and_shadow(canvas):
    marked = result(canvas, "image/watermark,text_" + b64url("HH") + ",size_60,color_0000FF,shadow_80,g_center")
    colours = {colour for _, colour in marked.getcolors(1 << 20) if colour != WHITE}
    assert any(b > 200 and r < 60 for r, _, b in colours)  # blue text
    assert any(r == g == b < 200 for r, g, b in colours)  # grey shadow


def test_text_and_image_together(canvas):
    both = result(canvas, LOGO + ",text_" + b64url("x") + ",g_nw,x_0,y_0,order_0,interval_10,align_0")
    box = red_box(both)
    assert box is not None
    assert box[:2] == (0, 0)  # order_0: the image comes first, at the left


def test_three_watermarks(canvas):
    three = "/".join([LOGO[len("image/") :] + f",g_{g}" for g in ("nw", "center", "se")])
    assert red_box(result(canvas, "image/" + three)) == (10, 10, 390, 290)


def test_four_watermarks_are_refused(canvas):
    four = "image/" + "/".join([LOGO[len("image/") :]] * 4)
    with raises("InvalidArgument", match="at most 3"):
        canvas.get("white.png", process=four)


@pytest.mark.parametrize(("process", "ec"), [
    ("image/watermark,text_!!!", "0040-00000257"),
    ("image/watermark,image_!!!", "0040-00000265"),
    ("image/watermark,text_eA,type_" + b64url("comic-sans"), "0040-00000251"),
    ("image/watermark,text_eA,fill_2", "0040-00000274"),
    ("image/watermark,image_" + b64url("logo.png?x-oss-process=image/watermark,text_eA"), "0040-00000373"),
    ("image/watermark,image_" + b64url("logo.png?x-oss-process=image/info"), "0040-00000374"),
])  # fmt: skip
def test_invalid_watermarks(canvas, process, ec):
    with raises("InvalidArgument") as exc:
        canvas.get("white.png", process=process)
    assert exc.value.ec == ec


def test_missing_watermark_image(canvas):
    with raises("InvalidArgument", match="does not exist"):
        canvas.get("white.png", process="image/watermark,image_" + b64url("nope.png"))


@pytest.mark.parametrize("params", [",fill_1", ",fill_1,padx_7,pady_3", ",fill_1,padx_1000", ",fill_1,t_40"])
def test_tiling_is_the_tile_repeated_from_the_top_left_corner(bucket, params):
    """Tiles are laid by doubling a strip of them; the result is the tile pasted at every step."""
    logo = Image.new("RGBA", (13, 9), (255, 0, 0, 255))
    logo.paste((0, 0, 255, 128), (0, 0, 5, 9))
    bucket.put("grey.png", png(Image.new("RGB", (200, 150), (90, 90, 90))))
    bucket.put("mark.png", png(logo))
    process = "image/watermark,image_" + b64url("mark.png") + params
    got = Image.open(io.BytesIO(bucket.get("grey.png", process=process).body)).convert("RGB")
    fields = dict(p.split("_") for p in params.strip(",").split(","))
    opacity = int(fields.get("t", 100))
    tile = logo.copy()
    tile.putalpha(tile.getchannel("A").point(lambda a: a * opacity // 100))
    step_x, step_y = 13 + int(fields.get("padx", 0)), 9 + int(fields.get("pady", 0))
    expected = Image.new("RGBA", (200, 150), (90, 90, 90, 255))
    for top in range(0, 150, step_y):
        for left in range(0, 200, step_x):
            expected.alpha_composite(tile.crop((0, 0, min(13, 200 - left), min(9, 150 - top))), (left, top))
    # Over opaque pixels a paste through the alpha and a composite round alike, to one level.
    assert all(high <= 1 for _, high in ImageChops.difference(got, expected.convert("RGB")).getextrema())
