"""Chains to operations and back, and the saveas suffix."""

from __future__ import annotations

import pytest

from ossimg.errors import OpError
from ossimg.img.chain import b64url, decode_b64url, parse, parse_action, process_with_saveas, render
from ossimg.img.ops import Format, Quality, Resize

CHAINS = [
    "image/resize,w_200",
    "image/resize,m_fill,w_200,h_200/format,webp/quality,q_80",
    "image/resize,m_pad,w_320,h_240,color_F0F0F0/format,png",
    "image/resize,l_1024/quality,Q_85",
    "image/info",
    "image/crop,w_100,h_100,g_center/circle,r_50/format,png",
    "image/indexcrop,y_100,i_1/rounded-corners,r_10/rotate,90/auto-orient,1",
    "image/blur,r_3,s_2/bright,10/contrast,-10/sharpen,100/interlace,1/format,jpg",
    "image/watermark,text_SGVsbG8,color_FFFFFF,size_30,g_center/watermark,image_bG9nby5wbmc,t_50",
    "style/thumb",
]


@pytest.mark.parametrize("chain", CHAINS)
def test_parse_then_render_is_identity(chain):
    assert render(parse(chain)) == chain


@pytest.mark.parametrize("ops", [
    [Resize(w=1)], [Resize(m="fixed", w=16384, h=1024, limit=0), Format(value="avif"), Quality(q=1, Q=100)],
])  # fmt: skip
def test_render_then_parse_is_identity(ops):
    assert parse(render(ops)) == ops


class TestParse:
    """OSS's grammar: image/ prefix, actions by '/', parameters by ',' as key_value."""

    def test_repeated_key_overrides(self):
        assert parse_action("resize,w_100,w_200") == Resize(w=200)

    def test_trailing_comma_is_tolerated(self):
        assert parse_action("resize,w_100,") == Resize(w=100)

    def test_unknown_keys_are_refused_not_dropped(self):
        with pytest.raises(OpError, match="unknown parameter 'r'"):
            parse_action("resize,w_100,r_1")

    @pytest.mark.parametrize(("text", "ec"), [
        ("image/", "0040-00000212"), ("image/slim,1", "0040-00000213"), ("image/format,png,jpg", "0040-00000203"),
    ])  # fmt: skip
    def test_grammar_errors(self, text, ec):
        with pytest.raises(OpError) as exc:
            parse(text)
        assert exc.value.ec == ec

    def test_needs_the_image_prefix(self):
        with pytest.raises(OpError, match="image/"):
            parse("resize,w_1")

    def test_parameter_without_underscore(self):
        with pytest.raises(OpError, match="not key_value"):
            parse_action("resize,w100")


class TestChainRules:
    """Rules that span a chain, checked as OSS checks them."""

    def test_at_most_three_watermarks(self):
        mark = "watermark,text_eA"
        assert len(parse("image/" + "/".join([mark] * 3))) == 3
        with pytest.raises(OpError, match="at most 3 watermarks"):
            parse("image/" + "/".join([mark] * 4))

    @pytest.mark.parametrize("text", ["image/info/resize,w_1", "image/resize,w_1/average-hue"])
    def test_queries_stand_alone(self, text):
        with pytest.raises(OpError, match="cannot be combined"):
            parse(text)

    def test_resize_P_only_inside_a_watermark_image(self):
        with pytest.raises(OpError, match="only valid in a watermark"):
            parse("image/resize,P_20")
        assert parse("image/resize,P_20", nested=True) == [Resize(P=20)]

    def test_process_length_is_capped(self):
        with pytest.raises(OpError) as exc:
            parse("image/" + "/".join(["resize,w_1"] * 500))
        assert exc.value.ec == "0017-00000288"

    def test_watermark_text_not_base64(self):
        with pytest.raises(OpError) as exc:
            parse_action("watermark,text_!!!")
        assert (exc.value.param, exc.value.ec) == ("text", "0040-00000257")

    def test_lenient_standard_base64_is_decoded(self):
        assert parse_action("watermark,text_aGVsbG8g5Zu+54mH5pyN5Yqh77yB").text == "hello 图片服务\uff01"


class TestBase64:
    """o_/b_ and watermark texts: URL-safe base64, padding optional on input."""

    @pytest.mark.parametrize("text", ["out/a.jpg", "猫/照片 1.png", "a+b/c?d", "x" * 200])
    def test_round_trip(self, text):
        encoded = b64url(text)
        assert not set(encoded) & set("=+/")
        assert decode_b64url(encoded) == text
        assert decode_b64url(encoded + "=" * (-len(encoded) % 4)) == text

    def test_invalid(self):
        with pytest.raises(ValueError, match="base64"):
            decode_b64url("!!!")

    # Known answers from OSS's documentation: the font names of the watermark page, and "#000000".
    @pytest.mark.parametrize(("text", "encoded"), [
        ("wqy-zenhei", "d3F5LXplbmhlaQ"), ("wqy-microhei", "d3F5LW1pY3JvaGVp"),
        ("fangzhengshusong", "ZmFuZ3poZW5nc2h1c29uZw"), ("fangzhengkaiti", "ZmFuZ3poZW5na2FpdGk"),
        ("droidsansfallback", "ZHJvaWRzYW5zZmFsbGJhY2s"), ("#000000", "IzAwMDAwMA"),
    ])  # fmt: skip
    def test_documented_vectors(self, text, encoded):
        assert b64url(text) == encoded
        assert decode_b64url(encoded) == text


def test_process_with_saveas():
    # OSS's "save processed images" reference: test.jpg saved into bucket test.
    assert process_with_saveas("image/resize,w_100", "test.jpg", "test") == (
        "image/resize,w_100|sys/saveas,o_dGVzdC5qcGc,b_dGVzdA"
    )
    assert process_with_saveas("image/resize,w_10", "out/a.jpg", "dst") == (
        "image/resize,w_10|sys/saveas,o_b3V0L2EuanBn,b_ZHN0"
    )
    assert process_with_saveas("image/info", "k") == "image/info|sys/saveas,o_aw"  # b_ left out: the same bucket
