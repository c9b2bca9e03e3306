"""Multipart uploads: the calls one by one, and oss2's resumable_upload of a large image."""

from __future__ import annotations

import hashlib
import io

import oss2
import pytest
from oss2.models import PartInfo
from PIL import Image

from ossimg_local.emulator import errors

PART = 100 * 1024


def test_resumable_upload_of_a_large_image(bucket, tmp_path):
    out = io.BytesIO()
    Image.effect_noise((3000, 2000), 64).save(out, "PNG")  # noise does not compress: ~5 MB
    data = out.getvalue()
    path = tmp_path / "big.png"
    path.write_bytes(data)
    oss2.resumable_upload(bucket, "big.png", str(path), store=oss2.ResumableStore(root=str(tmp_path)),
                          multipart_threshold=PART, part_size=PART * 4, num_threads=3)  # fmt: skip
    head = bucket.head_object("big.png")
    assert head.headers["x-oss-object-type"] == "Multipart"
    assert head.etag.endswith(f"-{-(-len(data) // (PART * 4))}")
    assert hashlib.md5(bucket.get_object("big.png").read()).digest() == hashlib.md5(data).digest()
    assert bucket.get_object("big.png", process="image/info").read().count(b'"ImageWidth": {"value": "3000"}') == 1


class TestCalls:
    """Initiate, upload parts, list, complete or abort."""

    def test_complete_concatenates_parts_in_order(self, bucket):
        upload = bucket.init_multipart_upload("mp", headers={"x-oss-meta-kind": "parts"}).upload_id
        parts = []
        for number, fill in ((1, b"a"), (2, b"b"), (3, b"c")):
            result = bucket.upload_part("mp", upload, number, fill * (PART if number < 3 else 10))
            parts.append(PartInfo(number, result.etag))
        listed = bucket.list_parts("mp", upload)
        assert [p.part_number for p in listed.parts] == [1, 2, 3]
        assert [p.size for p in listed.parts] == [PART, PART, 10]
        bucket.complete_multipart_upload("mp", upload, parts)
        assert bucket.get_object("mp").read() == b"a" * PART + b"b" * PART + b"c" * 10
        assert bucket.head_object("mp").headers["x-oss-meta-kind"] == "parts"

    def test_complete_all(self, bucket):
        upload = bucket.init_multipart_upload("all").upload_id
        bucket.upload_part("all", upload, 1, b"only")
        bucket.complete_multipart_upload("all", upload, None, headers={"x-oss-complete-all": "yes"})
        assert bucket.get_object("all").read() == b"only"

    def test_list_multipart_uploads_and_abort(self, bucket):
        first = bucket.init_multipart_upload("x/1").upload_id
        bucket.init_multipart_upload("y/2")
        listed = bucket.list_multipart_uploads(prefix="x/")
        assert [(u.key, u.upload_id) for u in listed.upload_list] == [("x/1", first)]
        bucket.abort_multipart_upload("x/1", first)
        assert bucket.list_multipart_uploads(prefix="x/").upload_list == []
        with pytest.raises(oss2.exceptions.NoSuchUpload):
            bucket.upload_part("x/1", first, 1, b"late")

    def test_wrong_etag_is_an_invalid_part(self, bucket):
        upload = bucket.init_multipart_upload("bad").upload_id
        bucket.upload_part("bad", upload, 1, b"x")
        with pytest.raises(oss2.exceptions.ServerError) as exc:
            bucket.complete_multipart_upload("bad", upload, [PartInfo(1, "0" * 32)])
        assert (exc.value.status, exc.value.code) == (400, "InvalidPart")

    def test_small_non_last_part_is_too_small(self, bucket):
        upload = bucket.init_multipart_upload("small").upload_id
        parts = [PartInfo(n, bucket.upload_part("small", upload, n, b"tiny").etag) for n in (1, 2)]
        with pytest.raises(oss2.exceptions.ServerError) as exc:
            bucket.complete_multipart_upload("small", upload, parts)
        assert exc.value.code == "EntityTooSmall"

    def test_parts_out_of_order(self, bucket, backend):
        # oss2 sorts parts before sending, so the store is asked directly.
        upload = bucket.init_multipart_upload("order").upload_id
        parts = [(n, bucket.upload_part("order", upload, n, b"x" * PART).etag) for n in (1, 2)]
        with pytest.raises(errors.InvalidPartOrder):
            backend.multipart.complete_multipart_upload(bucket.bucket_name, "order", upload, parts[::-1])

    def test_unknown_upload(self, bucket):
        with pytest.raises(oss2.exceptions.NoSuchUpload):
            bucket.list_parts("k", "0" * 32)
