"""IMG operations: OSS's ranges, canonical text, and errors that name what was wrong."""

from __future__ import annotations

import pytest

from ossimg.errors import OpError
from ossimg.img.ops import REGISTRY, Format, Info, Quality, Resize, op_class, output_format


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
    ])  # fmt: skip
    def test_out_of_range(self, cls, data, param, allowed, ec):
        with pytest.raises(OpError) as exc:
            cls.build(data)
        error = exc.value
        assert (error.op, error.param, error.allowed, error.ec) == (cls.action, param, allowed, ec)
        assert error.value == data[param]
        assert f"{cls.action}: {param}" in error.message

    @pytest.mark.parametrize(("cls", "ec"), [(Resize, "0040-00000322"), (Quality, "0040-00000307")])
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


def test_registry_names_each_action_once():
    assert sorted(REGISTRY) == sorted({cls.action for cls in REGISTRY.values()})


@pytest.mark.parametrize(("ops", "source", "expected"), [
    ([], "png", "png"), ([Format(value="webp")], "jpg", "webp"), ([Format(value="gif")], "jpg", "jpg"),
    ([Format(value="gif")], "gif", "gif"), ([Format(value="png"), Format(value="jpg")], "png", "jpg"),
])  # fmt: skip
def test_output_format(ops, source, expected):
    assert output_format(ops, source) == expected
