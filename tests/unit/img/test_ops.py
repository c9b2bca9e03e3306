"""IMG operations: OSS's ranges, canonical text, and errors that name what was wrong."""

from __future__ import annotations

import pytest

from ossimg.errors import OpError
from ossimg.img.ops import (
    REGISTRY,
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
    Quality,
    Resize,
    Rotate,
    RoundedCorners,
    Sharpen,
    Style,
    Watermark,
    op_class,
)  # fmt: skip


class TestRender:
    """Canonical text: declaration order, unset parameters omitted, bare values bare."""

    @pytest.mark.parametrize(("op", "text"), [
        (Resize(w=200), "resize,w_200"),
        (Resize(h=80, m="fill", w=150), "resize,m_fill,w_150,h_80"),
        (Resize(m="pad", w=10, h=10, limit=0, color="FF0000"), "resize,m_pad,w_10,h_10,limit_0,color_FF0000"),
        (Resize(p=50), "resize,p_50"),
        (Format(value="webp"), "format,webp"),
        (Quality(q=80), "quality,q_80"),
        (Quality(Q=90), "quality,Q_90"),
        (Info(), "info"),
        (AverageHue(), "average-hue"),
        (Crop(w=100, h=100, x=10, y=20, g="se"), "crop,w_100,h_100,x_10,y_20,g_se"),
        (IndexCrop(x=100, i=2), "indexcrop,x_100,i_2"),
        (Circle(r=50), "circle,r_50"),
        (RoundedCorners(r=30), "rounded-corners,r_30"),
        (Rotate(value=90), "rotate,90"),
        (AutoOrient(value=0), "auto-orient,0"),
        (Blur(r=3, s=2), "blur,r_3,s_2"),
        (Bright(value=-20), "bright,-20"),
        (Contrast(value=50), "contrast,50"),
        (Sharpen(value=100), "sharpen,100"),
        (Interlace(value=1), "interlace,1"),
        (Watermark(text="Hello", color="FFFFFF", g="center"), "watermark,text_SGVsbG8,color_FFFFFF,g_center"),
        (Watermark(image="logo.png", t=50), "watermark,image_bG9nby5wbmc,t_50"),
        (Watermark(text="猫", type="wqy-microhei"), "watermark,text_54yr,type_d3F5LW1pY3JvaGVp"),
        (Style(name="thumb"), "style/thumb"),
    ])  # fmt: skip
    def test_render(self, op, text):
        assert op.render() == text


class TestValidation:
    """Out-of-range values raise OpError with the action, parameter, value, range and OSS EC."""

    @pytest.mark.parametrize(("cls", "data", "param", "allowed", "ec"), [
        (Resize, {"w": 0}, "w", "an integer in [1, 16384]", "0040-00000312"),
        (Resize, {"w": 16385}, "w", "an integer in [1, 16384]", "0040-00000312"),
        (Resize, {"h": "abc"}, "h", "an integer in [1, 16384]", "0040-00000313"),
        (Resize, {"w": 10, "m": "stretch"}, "m", "one of lfit, mfit, fill, pad, fixed", "0040-00000311"),
        (Resize, {"p": 1001}, "p", "an integer in [1, 1000]", "0040-00000317"),
        (Resize, {"w": 10, "limit": 2}, "limit", "an integer in [0, 1]", None),
        (Resize, {"w": 10, "color": "red"}, "color", "6 hex digits RRGGBB", None),
        (Format, {"value": "dng"}, "value", "one of jpg, png, webp, bmp, gif, tiff, heic, avif", "0040-00000206"),
        (Quality, {"q": 0}, "q", "an integer in [1, 100]", "0040-00000309"),
        (Quality, {"Q": 101}, "Q", "an integer in [1, 100]", "0040-00000308"),
        (Crop, {"w": -1}, "w", "an integer in [0, 30000]", "0040-00000225"),
        (Crop, {"h": "abc"}, "h", "an integer in [0, 30000]", "0040-00000226"),
        (Crop, {"g": "middle"}, "g", "one of nw, north, ne, west, center, east, sw, south, se", None),
        (IndexCrop, {"x": 0}, "x", "an integer in [1, 30000]", "0040-00000230"),
        (IndexCrop, {"y": "abc"}, "y", "an integer in [1, 30000]", "0040-00000224"),
        (IndexCrop, {"x": 10, "i": "abc"}, "i", "an integer in [0, 30000]", "0040-00000229"),
        (Circle, {"r": 5000}, "r", "an integer in [1, 4096]", "0040-00000233"),
        (RoundedCorners, {"r": "abc"}, "r", "an integer in [1, 4096]", "0040-00000237"),
        (Rotate, {"value": 400}, "value", "an integer in [0, 360]", "0040-00000217"),
        (AutoOrient, {"value": 2}, "value", "an integer in [0, 1]", None),
        (Blur, {"r": 200, "s": 2}, "r", "an integer in [1, 50]", "0040-00000241"),
        (Blur, {"r": 2, "s": 0}, "s", "an integer in [1, 50]", "0040-00000242"),
        (Bright, {"value": 200}, "value", "an integer in [-100, 100]", "0040-00000246"),
        (Contrast, {"value": -101}, "value", "an integer in [-100, 100]", None),
        (Sharpen, {"value": 10}, "value", "an integer in [50, 399]", "0040-00000280"),
        (Interlace, {"value": 2}, "value", "an integer in [0, 1]", "0040-00000282"),
        (Watermark, {"text": "x", "fill": 2}, "fill", "an integer in [0, 1]", "0040-00000274"),
        (Watermark, {"text": "x", "type": "comic-sans"}, "type",
         "one of wqy-zenhei, wqy-microhei, fangzhengshusong, fangzhengkaiti, fangzhengheiti, fangzhengfangsong, "
         "droidsansfallback", "0040-00000251"),
        (Watermark, {"text": "x", "size": 0}, "size", "an integer in [1, 1000]", None),
        (Watermark, {"text": "x", "t": 101}, "t", "an integer in [0, 100]", None),
        (Watermark, {"text": "x", "voffset": 1001}, "voffset", "an integer in [-1000, 1000]", None),
        (Watermark, {"text": "x", "align": 3}, "align", "an integer in [0, 2]", None),
        (Style, {"name": "bad name"}, "name", "1-64 of A-Z a-z 0-9 _ . -", None),
    ])  # fmt: skip
    def test_out_of_range(self, cls, data, param, allowed, ec):
        with pytest.raises(OpError) as exc:
            cls.build(data)
        error = exc.value
        assert (error.op, error.param, error.allowed, error.ec) == (cls.action, param, allowed, ec)
        assert error.value == data[param]
        assert f"{cls.action}: {param}" in error.message

    @pytest.mark.parametrize(("cls", "ec"), [
        (Resize, "0040-00000322"), (Quality, "0040-00000307"), (IndexCrop, "0040-00000230"),
        (Circle, "0040-00000233"), (RoundedCorners, "0040-00000237"), (Rotate, "0040-00000216"),
        (Bright, "0040-00000245"), (Sharpen, "0040-00000279"), (Interlace, "0040-00000281"),
        (Format, "0040-00000207"), (Watermark, "0040-00000258"),
    ])  # fmt: skip
    def test_nothing_to_do(self, cls, ec):
        with pytest.raises(OpError) as exc:
            cls.build({})
        assert exc.value.ec == ec

    def test_unknown_parameter(self):
        with pytest.raises(OpError) as exc:
            Resize.build({"w": 10, "width": 20})
        assert exc.value.param == "width"
        assert "unknown parameter" in exc.value.message

    def test_unknown_action(self):
        with pytest.raises(OpError) as exc:
            op_class("slim")
        assert (exc.value.op, exc.value.ec) == ("slim", "0040-00000213")

    def test_short_forms(self):
        assert Format.build("png") == Format(value="png")
        assert Info.build(None) == Info()

    def test_frozen(self):
        with pytest.raises(Exception, match="frozen"):
            Resize(w=1).w = 2  # type: ignore[misc]


class TestWatermark:
    """Text, fonts and watermark images are checked before anything is sent."""

    def test_text_too_long_for_oss(self):
        with pytest.raises(OpError, match="base64 form may have 64"):
            Watermark.build({"text": "水印" * 20})

    def test_text_on_one_line(self):
        with pytest.raises(OpError, match="one non-empty line"):
            Watermark.build({"text": "two\nlines"})

    def test_image_with_its_own_process(self):
        mark = Watermark.build({"image": "logo.png?x-oss-process=image/resize,P_20/rotate,90"})
        assert isinstance(mark, Watermark)
        assert mark.image_key == "logo.png"
        assert mark.image_process == [Resize(P=20), Rotate(value=90)]

    @pytest.mark.parametrize(("image", "ec"), [
        ("logo.png?x-oss-process=image/watermark,text_eA", "0040-00000373"),
        ("logo.png?x-oss-process=image/info", "0040-00000374"),
        ("logo.png?x-oss-process=image/format,png", None),
    ])  # fmt: skip
    def test_image_process_limits(self, image, ec):
        with pytest.raises(OpError, match="may only use") as exc:
            Watermark.build({"image": image})
        assert exc.value.param == "image"
        assert exc.value.ec == (ec or "0040-00000265")

    def test_image_key_must_be_in_the_bucket(self):
        with pytest.raises(OpError, match="object key"):
            Watermark.build({"image": "/abs.png"})


def test_registry_names_each_action_once():
    assert sorted(REGISTRY) == sorted({cls.action for cls in REGISTRY.values()})
