"""How many scans a JPEG has, read from its headers: what decides whether libjpeg holds every DCT
coefficient while decoding. Known answers: libjpeg's default progressive script has 10 scans for a
colour image and 6 for a grey one (jcparam.c, jpeg_simple_progression); a baseline file has one."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from ossimg_local.emulator.engine.headers import UNKNOWN_SCANS, jpeg_scans


def jpeg(mode: str, **options: object) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((64, 48), 40).convert(mode).save(out, "JPEG", **options)
    return out.getvalue()


def with_thumbnail() -> bytes:
    """A baseline photo whose EXIF (APP1) carries a progressive thumbnail: its scans are not the photo's."""
    thumbnail = jpeg("RGB", progressive=True)
    exif = b"Exif\x00\x00" + thumbnail
    photo = jpeg("RGB")
    app1 = b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif
    return photo[:2] + app1 + photo[2:]


@pytest.mark.parametrize(("data", "scans"), [
    pytest.param(jpeg("RGB"), 1, id="baseline colour"),
    pytest.param(jpeg("L"), 1, id="baseline grey"),
    pytest.param(jpeg("RGB", progressive=True), 10, id="progressive colour"),
    pytest.param(jpeg("L", progressive=True), 6, id="progressive grey"),
    pytest.param(with_thumbnail(), 1, id="a progressive EXIF thumbnail"),
    pytest.param(b"\xff\xd8\xff\xe0\x00", UNKNOWN_SCANS, id="headers cut short"),
    pytest.param(b"not a jpeg", UNKNOWN_SCANS, id="no SOI"),
])  # fmt: skip
def test_scans(data, scans):
    assert jpeg_scans(io.BytesIO(data)) == scans


def test_a_first_scan_without_every_component_counts_the_rest():
    """A sequential frame coded one component per scan (non-interleaved) has as many scans as
    components: the headers alone do not settle it, so the file's SOS markers are counted."""
    data = bytearray(jpeg("RGB"))
    sos = data.index(b"\xff\xda")
    assert data[sos + 4] == 3  # Ns: the photo's one scan holds all three components
    data[sos + 4] = 1  # now the first scan claims one; the SOS markers decide (one in the file)
    assert jpeg_scans(io.BytesIO(bytes(data))) == 1
    second = bytes(data[sos : sos + 14])  # a second SOS segment, as a non-interleaved file has
    assert jpeg_scans(io.BytesIO(bytes(data[:-2]) + second + b"\xff\xd9")) == 2
