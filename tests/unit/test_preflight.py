"""Pre-flight: what OSS IMG would refuse is skipped before any IMG call."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from ossimg.events import ObjectEvent
from ossimg.preflight import pixel_reason, static_reason


def record(key="u/a.jpg", size=1000, content_type=None):
    return ObjectEvent("ObjectCreated:PutObject", "b", key, size=size, content_type=content_type)


@pytest.mark.parametrize(("event", "reason"), [
    (record(), None),
    (record(size=None), None),
    (record(size=20 * 1024 * 1024), None),
    (record(size=20 * 1024 * 1024 + 1), "OSS IMG reads at most 20971520 (20 MB)"),
    (record(content_type="image/heic"), None),
    (record(content_type="application/pdf"), "content type application/pdf is not an image"),
    (record(key="u/report.PDF"), "suffix .pdf is not an image format"),
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
def test_pixel_reasons(size, reason):
    found = pixel_reason(lambda n: png(size)[:n])
    assert found is None if reason is None else reason in found


def test_unreadable_header_lets_oss_decide():
    assert pixel_reason(lambda n: b"%PDF-1.7"[:n]) is None
