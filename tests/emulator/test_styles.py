"""Bucket image styles: the style API, then style/<name> in GET and in process_object."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from ossimg.img.chain import b64url

from ..conftest import make_image
from .clients import raises


@pytest.fixture(name="styled")
def _styled(bucket):
    bucket.put("src.jpg", make_image((400, 300)))
    bucket.put_style("thumb", "image/resize,w_100/format,png")
    return bucket


def test_put_get_list_delete(styled):
    got = styled.style("thumb")
    assert (got.name, got.content) == ("thumb", "image/resize,w_100/format,png")
    assert got.create_time.endswith(".000Z")
    styled.put_style("big", "image/resize,w_300")
    assert [s.name for s in styled.styles()] == ["big", "thumb"]
    styled.delete_style("big")
    assert [s.name for s in styled.styles()] == ["thumb"]


def test_style_in_get(styled):
    image = Image.open(io.BytesIO(styled.get("src.jpg", process="style/thumb").body))
    assert (image.size, image.format) == ((100, 75), "PNG")


def test_style_with_saveas(styled):
    result = styled.process("src.jpg", "style/thumb|sys/saveas,o_" + b64url("out/t.png"))
    assert result.key == "out/t.png"
    assert Image.open(io.BytesIO(styled.get("out/t.png").body)).size == (100, 75)


def test_unknown_style(styled):
    with raises(None) as exc:
        styled.get("src.jpg", process="style/nope")
    assert (exc.value.status, exc.value.code) == (404, "NoSuchStyle")
    with raises(None) as exc:
        styled.style("nope")
    assert exc.value.code == "NoSuchStyle"


def test_invalid_style_content_is_refused(styled):
    with raises("InvalidArgument") as exc:
        styled.put_style("bad", "image/resize,w_0")
    assert exc.value.ec == "0040-00000312"


def test_at_most_fifty_styles(bucket):
    for n in range(50):
        bucket.put_style(f"s{n}", "image/resize,w_10")
    with raises("InvalidArgument", match="at most 50"):
        bucket.put_style("one-more", "image/resize,w_10")
    bucket.put_style("s0", "image/resize,w_20")  # replacing one is fine
