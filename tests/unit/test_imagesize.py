"""Image dimensions from file headers, without an imaging library in deployed code."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from ossimg.imagesize import dimensions


@pytest.mark.parametrize(("fmt", "mode", "size", "save"), [
    ("JPEG", "RGB", (640, 480), {}),
    ("JPEG", "RGB", (33, 17), {"progressive": True}),
    ("PNG", "RGBA", (1, 30001), {}),
    ("GIF", "P", (300, 200), {}),
    ("WEBP", "RGB", (321, 123), {"lossless": True}),
    ("WEBP", "RGB", (321, 123), {"quality": 50}),
    ("WEBP", "RGBA", (50, 60), {}),
    ("BMP", "RGB", (70, 40), {}),
    ("TIFF", "RGB", (90, 80), {}),
])  # fmt: skip
def test_dimensions(fmt, mode, size, save):
    buf = io.BytesIO()
    Image.new(mode, size).save(buf, fmt, **save)
    assert dimensions(buf.getvalue()[:65536]) == size


@pytest.mark.parametrize("head", [b"", b"not an image", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF8"])
def test_unknown_or_truncated(head):
    assert dimensions(head) is None
