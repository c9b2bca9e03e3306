"""IMG through HTTP: GET with ?x-oss-process, and process_object with sys/saveas."""

from __future__ import annotations

import base64
import io
import json
from urllib.parse import quote

import pytest
from PIL import Image

from ossimg.img.chain import b64url, process_with_saveas

from ..conftest import make_image
from .clients import raises


def processed(bucket, key, process):
    """Size and format of what GET ?x-oss-process returns."""
    image = Image.open(io.BytesIO(bucket.get(key, process=process).body))
    return image.size, image.format


@pytest.fixture(name="src200x100")
def _src200x100(bucket):
    bucket.put("src.jpg", make_image((200, 100)))
    return bucket


@pytest.fixture(name="src400x300")
def _src400x300(bucket):
    bucket.put("src.jpg", make_image((400, 300)))
    return bucket


class TestResizeWorkedExamples:
    """The spec's worked examples (oss-img-spec §3.1), end to end through the emulator."""

    @pytest.mark.parametrize(("process", "size"), [
        pytest.param("image/resize,m_lfit,w_150,h_80", (150, 75), id="lfit-150x80"),
        pytest.param("image/resize,m_mfit,w_150,h_80", (160, 80), id="mfit-150x80"),
        pytest.param("image/resize,m_fill,w_150,h_80", (150, 80), id="fill-150x80"),
        pytest.param("image/resize,m_pad,w_150,h_80", (150, 80), id="pad-150x80"),
        pytest.param("image/resize,m_fixed,w_150,h_80", (150, 80), id="fixed-150x80"),
        pytest.param("image/resize,w_150", (150, 75), id="w-only"),
        pytest.param("image/resize,m_fill,h_100", (100, 100), id="fill-one-side-is-square"),
        pytest.param("image/resize,m_fixed,w_50", (50, 50), id="fixed-one-side-is-square"),
    ])  # fmt: skip
    def test_source_200x100(self, src200x100, process, size):
        assert processed(src200x100, "src.jpg", process) == (size, "JPEG")

    @pytest.mark.parametrize(("process", "size"), [
        pytest.param("image/resize,h_100,m_lfit", (133, 100), id="lfit-h100-rounds"),
        pytest.param("image/resize,m_fixed,w_100,h_100", (100, 100), id="fixed-100"),
        pytest.param("image/resize,m_fill,w_100,h_100", (100, 100), id="fill-100"),
        pytest.param("image/resize,m_pad,w_100,h_100,color_FF0000", (100, 100), id="pad-red"),
        pytest.param("image/resize,p_50", (200, 150), id="percent-50"),
        pytest.param("image/resize,l_200", (200, 150), id="long-side"),
        pytest.param("image/resize,s_150", (200, 150), id="short-side"),
        pytest.param("image/resize,w_500", (400, 300), id="limit-1-never-enlarges"),
        pytest.param("image/resize,w_500,limit_0", (500, 375), id="limit-0-enlarges"),
        pytest.param("image/resize,p_200", (400, 300), id="percent-200-limited"),
        pytest.param("image/resize,p_200,limit_0", (800, 600), id="percent-200-unlimited"),
    ])  # fmt: skip
    def test_source_400x300(self, src400x300, process, size):
        assert processed(src400x300, "src.jpg", process)[0] == size

    def test_pad_fills_with_the_colour(self, src400x300):
        data = src400x300.get("src.jpg", process="image/resize,m_pad,w_100,h_100,color_FF0000/format,png").body
        image = Image.open(io.BytesIO(data)).convert("RGB")
        assert image.getpixel((50, 2)) == (255, 0, 0)  # the band above the 100x75 picture

    def test_exif_orientation_is_applied_before_resizing(self, bucket):
        exif = Image.Exif()
        exif[0x0112] = 6  # rotate 90° clockwise to display
        bucket.put("rotated.jpg", make_image((400, 200), exif=exif.tobytes()))
        assert processed(bucket, "rotated.jpg", "image/resize,w_100")[0] == (100, 200)


class TestFormatAndQuality:
    """format converts; quality changes JPEG size; gif only keeps GIF sources GIF."""

    @pytest.mark.parametrize(("fmt", "pil"), [
        ("png", "PNG"), ("webp", "WEBP"), ("bmp", "BMP"), ("tiff", "TIFF"), ("jpg", "JPEG"),
    ])  # fmt: skip
    def test_format(self, src400x300, fmt, pil):
        result = src400x300.get("src.jpg", process=f"image/format,{fmt}")
        assert Image.open(io.BytesIO(result.body)).format == pil

    def test_content_type_follows_the_format(self, src400x300):
        assert src400x300.get("src.jpg", process="image/format,webp").content_type == "image/webp"

    def test_gif_on_a_jpeg_keeps_jpeg(self, src400x300):
        assert processed(src400x300, "src.jpg", "image/format,gif")[1] == "JPEG"

    def test_png_with_alpha_to_jpg_is_flattened_on_white(self, bucket):
        transparent = io.BytesIO()
        Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(transparent, "PNG")
        bucket.put("clear.png", transparent.getvalue())
        data = bucket.get("clear.png", process="image/format,jpg").body
        assert Image.open(io.BytesIO(data)).getpixel((25, 25)) == (255, 255, 255)

    def test_lower_quality_makes_a_smaller_jpeg(self, bucket):
        noisy = io.BytesIO()
        Image.effect_noise((300, 300), 50).convert("RGB").save(noisy, "JPEG", quality=95)
        bucket.put("noisy.jpg", noisy.getvalue())
        high = len(bucket.get("noisy.jpg", process="image/quality,Q_90").body)
        low = len(bucket.get("noisy.jpg", process="image/quality,q_20").body)
        assert low < high / 2

    def test_info(self, src400x300):
        info = json.loads(src400x300.get("src.jpg", process="image/info").body)
        assert info["ImageWidth"] == {"value": "400"}
        assert info["ImageHeight"] == {"value": "300"}
        assert info["Format"] == {"value": "jpg"}
        assert info["FileSize"]["value"] == str(src400x300.head("src.jpg").size)


class TestInvalidChains:
    """Bad chains get OSS's error code (and EC) before any pixel moves."""

    @pytest.mark.parametrize(("process", "ec"), [
        pytest.param("image/resize,w_0", "0040-00000312", id="w-out-of-range"),
        pytest.param("image/resize,w_100,m_abc", "0040-00000311", id="bad-mode"),
        pytest.param("image/resize,p_0", "0040-00000317", id="p-out-of-range"),
        pytest.param("image/resize", "0040-00000322", id="resize-without-parameters"),
        pytest.param("image/format,dng", "0040-00000206", id="unknown-format"),
        pytest.param("image/format", "0040-00000207", id="format-without-value"),
        pytest.param("image/quality,q_200", "0040-00000309", id="q-out-of-range"),
        pytest.param("image/quality,Q_200", "0040-00000308", id="Q-out-of-range"),
        pytest.param("image/slim,1", "0040-00000213", id="unknown-action"),
        pytest.param("image/", "0040-00000212", id="no-action"),
        pytest.param("image/format,png,jpg", "0040-00000203", id="too-many-values"),
        pytest.param("image/resize,m_fixed,w_5000,h_5000,limit_0", "0040-00000007", id="output-too-large"),
    ])  # fmt: skip
    def test_error_code_and_ec(self, src400x300, process, ec):
        with raises("InvalidArgument") as exc:
            src400x300.get("src.jpg", process=process)
        assert exc.value.status == 400
        assert exc.value.ec == ec
        assert exc.value.message  # a human sentence naming the parameter

    def test_unknown_parameters_are_refused(self, src400x300):
        with raises("InvalidArgument") as exc:
            src400x300.get("src.jpg", process="image/resize,w_100,x_1")
        assert "unknown parameter 'x'" in exc.value.message

    def test_crops_undocumented_r_is_accepted_as_oss_does(self, src400x300):
        # Every OSS SDK test suite sends crop,…,r_1 and expects 100x100 (oss-img-spec §1.2).
        assert processed(src400x300, "src.jpg", "image/crop,w_100,h_100,x_100,y_100,r_1")[0] == (100, 100)

    def test_not_an_image(self, bucket):
        bucket.put("notes.txt", b"plain text, not pixels")
        with raises(None) as exc:
            bucket.get("notes.txt", process="image/resize,w_10")
        assert (exc.value.status, exc.value.code, exc.value.ec) == (400, "BadRequest", "0040-00000005")

    def test_missing_source(self, bucket):
        with raises("NoSuchKey"):
            bucket.get("nothing.jpg", process="image/resize,w_10")


class TestSaveAs:
    """process_object persists the result where sys/saveas says, and answers with JSON."""

    def test_into_the_same_bucket(self, src400x300):
        result = src400x300.process("src.jpg", "image/resize,w_100|sys/saveas,o_" + b64url("out/a.jpg"))
        assert (result.key, result.bucket, result.status) == ("out/a.jpg", "", "OK")
        assert result.file_size == src400x300.head("out/a.jpg").size
        saved = Image.open(io.BytesIO(src400x300.get("out/a.jpg").body))
        assert (saved.size, saved.format) == ((100, 75), "JPEG")

    def test_into_another_bucket(self, src400x300, make_bucket):
        target = make_bucket()
        body = process_with_saveas("image/resize,m_fixed,w_64,h_64/format,png", "thumbs/猫 1.png", target.name)
        result = src400x300.process("src.jpg", body)
        assert (result.bucket, result.key) == (target.name, "thumbs/猫 1.png")
        image = Image.open(io.BytesIO(target.get("thumbs/猫 1.png").body))
        assert (image.size, image.format) == ((64, 64), "PNG")
        assert target.head("thumbs/猫 1.png").content_type == "image/png"

    @pytest.mark.parametrize("encode", [
        pytest.param(lambda s: base64.urlsafe_b64encode(s.encode()).decode(), id="padded"),
        pytest.param(lambda s: base64.urlsafe_b64encode(s.encode()).decode().rstrip("="), id="unpadded"),
        pytest.param(lambda s: base64.b64encode(s.encode()).decode(), id="standard-alphabet"),
    ])  # fmt: skip
    def test_base64_variants_are_accepted(self, src400x300, encode):
        src400x300.process("src.jpg", f"image/resize,w_10|sys/saveas,o_{encode('k1.jpg')}")
        assert src400x300.exists("k1.jpg")

    def test_form_encoded_body_is_accepted(self, src400x300):
        process = quote("image/resize,w_10|sys/saveas,o_" + b64url("form.jpg"), safe="")
        src400x300.process("src.jpg", process)
        assert src400x300.exists("form.jpg")

    def test_into_a_missing_bucket(self, src400x300):
        with raises("NoSuchBucket") as exc:
            src400x300.process("src.jpg", process_with_saveas("image/resize,w_10", "k.jpg", "no-such-target"))
        assert exc.value.message == "The specified bucket does not exist."

    def test_into_another_region_is_refused(self, src400x300, backend):
        backend.store.create_bucket(f"{src400x300.name}-sg", region="ap-southeast-1")
        with raises("InvalidArgument") as exc:
            src400x300.process("src.jpg", process_with_saveas("image/resize,w_10", "k.jpg", f"{src400x300.name}-sg"))
        assert "region" in exc.value.message

    @pytest.mark.parametrize("suffix", [
        pytest.param("", id="no-saveas"),
        pytest.param("|saveas,o_" + b64url("k.jpg"), id="without-sys-prefix"),
        pytest.param("|sys/saveas,b_" + b64url("x"), id="without-object"),
        pytest.param("|sys/saveas,o_!!!", id="object-not-base64"),
    ])  # fmt: skip
    def test_malformed_saveas(self, src400x300, suffix):
        with raises(None) as exc:
            src400x300.process("src.jpg", "image/resize,w_10" + suffix)
        assert exc.value.status == 400
