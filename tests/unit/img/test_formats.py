"""Which format a chain leaves: the one rule the plan and the emulator share."""

from __future__ import annotations

import pytest

from ossimg.img.formats import MIME, normalise, result_format


@pytest.mark.parametrize(("last", "before_gif", "source", "expected"), [
    pytest.param(None, None, "png", "png", id="no-format-keeps-the-source"),
    pytest.param("webp", None, "jpg", "webp", id="format-converts"),
    pytest.param("gif", None, "jpg", "jpg", id="gif-on-a-jpeg-keeps-jpeg"),
    pytest.param("gif", None, "gif", "gif", id="gif-on-a-gif"),
    pytest.param("jpg", None, "png", "jpg", id="the-last-format-wins"),
    pytest.param("gif", "png", "jpg", "png", id="a-later-gif-that-does-not-apply"),
    pytest.param("gif", "png", "GIF", "gif", id="a-later-gif-that-applies"),
    pytest.param(None, None, "JPEG", "jpg", id="extension-synonyms"),
])  # fmt: skip
def test_result_format(last, before_gif, source, expected):
    assert result_format(last, source, before_gif) == expected


def test_names():
    assert (normalise("TIF"), normalise("jpeg"), normalise("WebP")) == ("tiff", "jpg", "webp")
    assert MIME["jpg"] == "image/jpeg"
