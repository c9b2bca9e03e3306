"""OSS's IMG limits, enforced with OSS's codes: source bytes, sides, pixels, output size, chain length."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from .clients import raises


def encoded(image: Image.Image, fmt: str, **save) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **save)
    return buf.getvalue()


@pytest.mark.parametrize(("image", "fmt", "ec"), [
    pytest.param(Image.new("1", (30001, 1)), "PNG", "0040-00000009", id="png-side-over-30000"),
    pytest.param(Image.new("L", (30001, 8)), "JPEG", "0040-00000019", id="jpeg-side-over-30000"),
    pytest.param(Image.new("1", (16385, 1)), "TIFF", "0040-00000018", id="tiff-side-over-16384"),
    pytest.param(Image.new("1", (30001, 1)), "BMP", "0040-00000017", id="bmp-side-over-30000"),
    pytest.param(Image.new("1", (16000, 16000)), "PNG", "0040-00000012", id="over-250-megapixels"),
])  # fmt: skip
def test_source_too_large(bucket, image, fmt, ec):
    bucket.put("big", encoded(image, fmt))
    with raises(None) as exc:
        bucket.get("big", process="image/resize,w_10")
    assert (exc.value.status, exc.value.code, exc.value.ec) == (400, "ImageTooLarge", ec)


def test_source_over_20_megabytes(bucket):
    noise = Image.effect_noise((2900, 2900), 100).convert("RGB")  # ~25 MB as BMP
    bucket.put("huge.bmp", encoded(noise, "BMP"))
    with raises(None) as exc:
        bucket.get("huge.bmp", process="image/info")
    assert (exc.value.code, exc.value.ec) == ("ImageTooLarge", "0040-00000001")


def test_webp_output_side(bucket):
    bucket.put("wide.png", encoded(Image.new("RGB", (1000, 1)), "PNG"))
    with raises(None, match="16383") as exc:
        bucket.get("wide.png", process="image/resize,w_16384,limit_0/format,webp")
    assert exc.value.ec == "0040-00000011"


def test_process_too_long(bucket):
    bucket.put("a.png", encoded(Image.new("RGB", (10, 10)), "PNG"))
    with raises("InvalidArgument") as exc:
        bucket.get("a.png", process="image/" + "/".join(["resize,w_5"] * 500))
    assert exc.value.ec == "0017-00000288"


def test_rotate_of_a_very_large_image(bucket):
    bucket.put("tall.png", encoded(Image.new("1", (10, 5000)), "PNG"))
    with raises(None, match="maximum allowable rotation"):
        bucket.get("tall.png", process="image/rotate,90")


def test_heic_output_outside_its_regions(backend, bucket):
    far_name = f"{bucket.name}-eu"
    backend.store.create_bucket(far_name, region="eu-central-1")
    far = bucket.bucket(far_name, region="eu-central-1")
    far.put("a.png", encoded(Image.new("RGB", (10, 10)), "PNG"))
    with raises("InvalidArgument", match="not available in region"):
        far.get("a.png", process="image/format,heic")
