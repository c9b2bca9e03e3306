"""Image dimensions from file headers, without an imaging library in deployed code."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from ossimg.imagesize import dimensions, image_format


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


def encoded(fmt, size=(33, 17), **save):
    buf = io.BytesIO()
    Image.new("RGB", size).save(buf, fmt, **save)
    return buf.getvalue()


@pytest.mark.parametrize(("fmt", "expected"), [
    ("JPEG", "jpg"), ("PNG", "png"), ("GIF", "gif"), ("WEBP", "webp"), ("BMP", "bmp"), ("TIFF", "tiff"),
    ("HEIF", "heic"), ("AVIF", "avif"),
])  # fmt: skip
def test_formats_are_told_by_their_magic_bytes(fmt, expected):
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    assert image_format(encoded(fmt)[:64]) == expected


@pytest.mark.parametrize(("head", "expected"), [
    # ISO-BMFF brands, as the HEIF and AVIF specifications list them
    (b"\x00\x00\x00\x18ftypheix\x00\x00\x00\x00mif1heix", "heic"),
    (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic", "heic"),
    (b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf", "avif"),
    (b"\x00\x00\x00\x18ftypavis\x00\x00\x00\x00avismsf1", "avif"),
    (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", None),
    (b"BM\x00\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00", "bmp"),
    (b"BMW owners club minutes\n", None),
    (b"\xff\xd8\xff\xe0", "jpg"),
    (b"\xff\xd8 not quite", None),
])  # fmt: skip
def test_magic_byte_vectors(head, expected):
    assert image_format(head) == expected
