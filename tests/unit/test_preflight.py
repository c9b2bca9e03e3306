"""Pre-flight: what OSS IMG would refuse is skipped before any IMG call, decided by the bytes."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from ossimg.events import ObjectEvent
from ossimg.preflight import content_reason, static_reason, suffix_reason


def record(key="u/a.jpg", size=1000, content_type=None):
    return ObjectEvent("ObjectCreated:PutObject", "b", key, size=size, content_type=content_type)


@pytest.mark.parametrize(("event", "reason"), [
    (record(), None),
    (record(size=None), None),
    (record(size=20 * 1024 * 1024), None),
    (record(size=20 * 1024 * 1024 + 1), "OSS IMG reads at most 20971520 (20 MB)"),
    (record(content_type="image/heic"), None),
    (record(content_type="application/pdf"), "content type application/pdf is not an image"),
    # The key alone never decides: its bytes are read next.
    (record(key="u/report.PDF"), None),
    (record(key="u/no-extension"), None),
    (record(key="u/report.pdf", content_type="image/png"), None),
])  # fmt: skip
def test_static_reasons(event, reason):
    found = static_reason(event)
    assert found is None if reason is None else reason in found


def png(size):
    buf = io.BytesIO()
    Image.new("1", size).save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.parametrize(("size", "reason"), [
    ((30000, 1), None), ((30001, 1), "at most 30000 pixels a side"),
    ((16000, 15625), None), ((16000, 15626), "at most 250000000 pixels"),
])  # fmt: skip
def test_pixel_limits(size, reason):
    found = content_reason(lambda n: png(size)[:n])
    assert found is None if reason is None else reason in found


def tiff_head(width, height):
    """A little-endian TIFF's header and first IFD: ImageWidth and ImageLength as LONGs."""
    entries = [(256, 4, 1, width), (257, 4, 1, height)]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *entry) for entry in entries)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x00\x00\x00\x00"


# The per-format sides of oss-img-spec §2: TIFF is read up to 16,384 pixels a side, not 30,000.
@pytest.mark.parametrize(("size", "reason"), [
    ((16384, 1), None), ((16385, 1), "the tiff image is 16385x1; OSS IMG reads at most 16384 pixels a side"),
])  # fmt: skip
def test_a_tiff_has_its_own_side_limit(size, reason):
    found = content_reason(lambda n: tiff_head(*size)[:n])
    assert found is None if reason is None else reason in found


@pytest.mark.parametrize("head", [
    b"%PDF-1.7\n", b"hello, I am a text file named x.jpg\n", b"", b"BM is a band, not a bitmap",
    b"II*\x00"[:3], b"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00isommp41",  # an MP4, not HEIC
])  # fmt: skip
def test_bytes_that_are_no_image_are_skipped(head):
    assert "first bytes are not an image OSS IMG reads" in content_reason(lambda n: head[:n])


def test_a_format_whose_size_is_not_in_the_head_lets_oss_decide():
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"
    assert content_reason(lambda n: heic[:n]) is None


@pytest.mark.parametrize(("key", "reason"), [
    ("u/a.jpg", None), ("u/a.HEIC", None), ("u/no-extension", None), ("u/v1.2/photo", None),
    ("u/notes.txt", "suffix .txt is not an image format"), ("u/a.CR2", "suffix .cr2 is not an image format"),
])  # fmt: skip
def test_suffix_decides_only_when_the_bytes_cannot_be_read(key, reason):
    found = suffix_reason(key)
    assert found is None if reason is None else reason in found
